/**
 * A task defined outside src/tasks (test/tasks/fixtures/news-topic-task.ts) is a first-class
 * citizen: registered once, it trains next to a built-in task, takes its own inputs and per-call
 * options through `predict`, saves, reloads with `fromPretrained` and predicts the same, and a task
 * YAML can declare it (the schema, `createTask` and `loadTaskData` read the registry).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskConfigSchema } from '../../src/config/schema.js';
import { createTask, loadTaskDataResult } from '../../src/config/tasks.js';
import { Encoder } from '../../src/encoder/index.js';
import { taskTypes, TASK_TYPES } from '../../src/tasks/registry.js';
import { SentimentTask } from '../../src/tasks/sentiment/index.js';
import { initBackend } from '../../src/training/backend.js';
import { MultiTaskModel } from '../../src/training/model.js';
import { NEWS_TOPIC_TYPE, NewsTopicTask, newsTopicPlugin, type TopicPrediction } from './fixtures/news-topic-task.js';

const dir = mkdtempSync(join(tmpdir(), 'mtl-custom-task-'));
let encoder: Encoder;
beforeAll(async () => {
  await initBackend('wasm', { log: false });
  encoder = await Encoder.load('fixture:bert', { device: 'cpu' });
});
afterAll(async () => {
  taskTypes.unregister(NEWS_TOPIC_TYPE);
  await encoder.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const headlines = [
  ['Shares rally as the central bank cuts rates', 'business'],
  ['Oil giant reports record quarterly profit', 'business'],
  ['Striker scores twice in cup final win', 'sport'],
  ['Champion retires after a long career on court', 'sport'],
  ['New phone chip promises longer battery life', 'tech'],
  ['Software update fixes a serious security flaw', 'tech'],
].map(([title, topic]) => ({ title: title!, topic: topic! }));
const reviews = ['a warm , funny film .', 'dull and far too long .', 'one of the best of the year .', 'a mess .'].map((text, i) => ({
  text,
  label: i % 2 ? 'negative' : 'positive',
}));

describe('a custom task (defined outside src/tasks)', () => {
  it('trains next to a built-in task, predicts with its own inputs and options, saves and reloads through the registry', async () => {
    const model = await MultiTaskModel.create({
      encoder,
      tasks: [new NewsTopicTask(), new SentimentTask({ hidden: 8 })],
      sharedLayers: { depth: 1, width: 16 },
      seed: 3,
      log: false,
    });
    const history = await model.fit(
      { 'news-topic': { train: headlines }, sentiment: { train: reviews } },
      { steps: 25, batchSize: 6, log: false, seed: 3 },
    );
    expect(history.steps.length).toBe(25);
    const task = model.task('news-topic') as NewsTopicTask;
    expect(task.topics).toEqual(['business', 'sport', 'tech']);
    // inputs through its toExample: a headline, or { title }
    const inputs = ['Bank shares fall as profits slide', { title: 'Goalkeeper saves a late penalty' }];
    const one = await model.predict<TopicPrediction>('news-topic', inputs);
    expect(one.map((p) => p.top.length)).toEqual([1, 1]);
    const three = await model.predict<TopicPrediction>('news-topic', inputs, { top: 3 });
    expect(three.map((p) => p.top.map((t) => t.topic).sort())).toEqual([
      ['business', 'sport', 'tech'],
      ['business', 'sport', 'tech'],
    ]);
    expect(three.map((p) => p.topic)).toEqual(one.map((p) => p.topic));
    for (const p of three) expect(p.top.reduce((a, t) => a + t.probability, 0)).toBeCloseTo(1, 5);
    // what the encoder read is what encoderInputs named
    expect(model.features.has('Bank shares fall as profits slide')).toBe(true);
    // options the task does not take, and inputs it cannot read, are errors naming the task
    await expect(model.predict('news-topic', inputs, { top: 9 })).rejects.toThrow(
      'task "news-topic": top must be an integer in [1, 3], got 9',
    );
    await expect(model.predict('news-topic', inputs, { selection: { sentences: 2 } })).rejects.toThrow(
      /task "news-topic": unknown prediction options selection/,
    );
    await expect(model.predict('news-topic', [42])).rejects.toThrow('task "news-topic": an input is a headline or { title }, got 42');
    await expect(model.predict('sentiment', ['x'], { top: 2 } as never)).rejects.toThrow(
      'task "sentiment" (type sentiment) takes no prediction option top (known: batchSize, signal, onProgress)',
    );
    const metrics = await model.evaluate({ 'news-topic': headlines });
    expect(metrics['news-topic']!.accuracy).toBeGreaterThanOrEqual(0);
    expect(metrics['news-topic']!.loss).toBeGreaterThan(0);

    const out = join(dir, 'model');
    await model.save(out);
    // not registered: the saved model names the type it needs
    await expect(MultiTaskModel.fromPretrained(out)).rejects.toThrow(
      /unknown task type "news-topic" for task "news-topic" \(known: .*\); register it with registerTaskType\(\)/,
    );
    taskTypes.register(newsTopicPlugin);
    expect(Object.keys(TASK_TYPES)).toContain(NEWS_TOPIC_TYPE);
    const loaded = await MultiTaskModel.fromPretrained(out);
    expect(loaded.encoder?.info.sha256).toBe(encoder.info.sha256);
    expect((loaded.task('news-topic') as NewsTopicTask).topics).toEqual(['business', 'sport', 'tech']);
    expect(await loaded.predict<TopicPrediction>('news-topic', inputs, { top: 3 })).toEqual(three);
    expect(await loaded.predict('sentiment', ['a mess .'])).toEqual(await model.predict('sentiment', ['a mess .']));
    model.dispose();
    loaded.dispose();
    await loaded.encoder?.dispose();
  });

  it('registered with a yaml declaration, a task YAML can declare it: schema, createTask and loadTaskData read the registry', () => {
    const data = join(dir, 'headlines.jsonl');
    writeFileSync(data, headlines.map((h) => JSON.stringify({ headline: h.title, section: h.topic })).join('\n'));
    const source = { format: 'jsonl', path: data, columns: { title: 'headline', topic: 'section' } };
    const yaml = {
      name: NEWS_TOPIC_TYPE,
      data: { train: source, dev: source },
      sample: { train: source, dev: source },
      loss: 'cross-entropy',
      metrics: ['accuracy'],
      primaryMetric: 'accuracy',
      topics: ['business', 'sport', 'tech'],
    };
    taskTypes.unregister(NEWS_TOPIC_TYPE);
    const before = taskConfigSchema().safeParse(yaml);
    expect(before.success).toBe(false);
    expect(before.error!.issues[0]!.message).toBe('Invalid option: expected one of "sentiment"|"translation-quality"|"summarization"');
    taskTypes.register(newsTopicPlugin);
    const config = taskConfigSchema().parse(yaml);
    const task = createTask(config) as NewsTopicTask;
    expect(task).toBeInstanceOf(NewsTopicTask);
    expect([task.name, task.topics, task.hidden]).toEqual([NEWS_TOPIC_TYPE, ['business', 'sport', 'tech'], 128]);
    expect(loadTaskDataResult(config, { split: 'train' }).examples).toEqual(headlines);
    expect(() => createTask({ ...config, loss: 'mse' } as never)).toThrow('task "news-topic": loss must be "cross-entropy", got "mse"');
    // the options schema is the task's one home for its defaults and checks
    expect(new NewsTopicTask().hidden).toBe(16);
    expect(() => new NewsTopicTask({ hidden: 0 })).toThrow(/task "news-topic": hidden: Too small/);
    expect(() => new NewsTopicTask({ topic: ['a'] } as never)).toThrow('task "news-topic": unknown option topic');
  });
});
