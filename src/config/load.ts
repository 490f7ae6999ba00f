import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { packageRoot } from '../utils/paths.js';
import { taskConfigSchema, trainingConfigSchema, type TaskConfig, type TrainingConfig } from './schema.js';

/**
 * Parse a YAML (or JSON) file against a schema. Errors name the file, the line and the field
 * (`tasks/sentiment.yaml:7: head.hidden: expected number, received string`).
 */
export function loadYaml<S extends z.ZodType>(file: string, schema: S, text?: string): z.infer<S> {
  let source: string;
  try {
    source = text ?? readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new UserError(`${file}:${line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown key is reported on its parent object; point at the key itself.
  const path = [...issue.path] as (string | number)[];
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  // Walk up the path until a node with a position exists (a missing key has none).
  let line: number | undefined;
  for (let n = path.length; n >= 0 && line === undefined; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
  }
  const field = path.length > 0 ? path.join('.') : '(top level)';
  throw new UserError(`${file}${line !== undefined ? `:${line}` : ''}: ${field}: ${issue.message}`);
}

/** 1-based line of the node at `path` in a YAML file (undefined when it cannot be found). */
export function lineOf(file: string, path: (string | number)[]): number | undefined {
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
    const node = doc.getIn(path, true);
    return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  } catch {
    return undefined;
  }
}

/** The config files shipped in the package's `tasks/` folder, by name (`sentiment`, `multitask`, …). */
export function shippedConfigs(): string[] {
  const dir = join(packageRoot(), 'tasks');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -'.yaml'.length))
        .sort()
    : [];
}

/**
 * A config path as given: a bare name (`sentiment`, no folder, no extension) that is not a file here
 * is the config of that name shipped in the package's `tasks/` folder, so an installed app can load
 * them; anything else is a path (relative to the working folder).
 */
export function configFile(nameOrPath: string): string {
  if (!/^[\w.-]+$/.test(nameOrPath) || /\.(ya?ml|json)$/i.test(nameOrPath) || existsSync(nameOrPath)) return resolve(nameOrPath);
  const shipped = join(packageRoot(), 'tasks', `${nameOrPath}.yaml`);
  if (existsSync(shipped)) return shipped;
  throw new UserError(
    `${nameOrPath}: no such config file, and not the name of a config shipped in the package (${shippedConfigs().join(', ')}); give a path to a .yaml file or one of these names`,
  );
}

/**
 * One task YAML (a path, or the name of a config shipped in the package's `tasks/` folder), validated against the task schema (built from the task registry); an error names
 * the file, line and field.
 * @example
 * const config = loadTaskConfig('sentiment'); // the shipped tasks/sentiment.yaml
 * // { name: 'sentiment', labels: ['negative', 'positive'], head: { hidden: 128, dropout: 0.1 },
 * //   loss: 'cross-entropy', metrics: ['accuracy', 'macro_f1'], primaryMetric: 'accuracy',
 * //   input: { features: ['lexicon'], pooling: 'attention' }, data: { train, dev }, sample, baselines, … }
 * loadTaskConfig('tasks/broken.yaml') // throws: tasks/broken.yaml:9: head.hidden: expected number
 */
export function loadTaskConfig(file: string): TaskConfig {
  return loadYaml(configFile(file), taskConfigSchema());
}

export interface ResolvedTrainingConfig extends TrainingConfig {
  file: string;
  taskConfigs: (TaskConfig & { lambda: number; file: string; layer?: number; batchSize?: number })[];
}

/**
 * Load a training config (a path, or the name of one shipped in the package: `multitask`) and the
 * task configs it names (paths relative to the config file). The
 * schema is built from the plug-in registries now, so plug-ins registered at run time are accepted.
 * @example
 * const cfg = loadTrainingConfig('tasks/multitask.yaml');
 * cfg.taskConfigs.map((t) => t.name)  // ['sentiment', 'translation-quality', 'summarization']
 * cfg.training.sampling                // { type: 'temperature', T: 2 }
 */
export function loadTrainingConfig(nameOrPath: string): ResolvedTrainingConfig {
  const file = configFile(nameOrPath);
  const config = loadYaml(file, trainingConfigSchema());
  const taskConfigs = config.tasks.map((t, i) => {
    const taskFile = resolve(dirname(file), t.config);
    if (!existsSync(taskFile)) {
      const line = lineOf(file, ['tasks', i, 'config']);
      throw new UserError(
        `${file}${line !== undefined ? `:${line}` : ''}: tasks.${i}.config: task config ${t.config} not found (looked for ${taskFile})`,
      );
    }
    return {
      ...loadTaskConfig(taskFile),
      lambda: t.lambda,
      file: taskFile,
      ...(t.layer !== undefined ? { layer: t.layer } : {}),
      ...(t.batchSize !== undefined ? { batchSize: t.batchSize } : {}),
    };
  });
  const weighting = config.training.weighting;
  const lambdas = weighting.type === 'static' ? ((weighting.lambdas ?? {}) as Record<string, number>) : {};
  for (const task of Object.keys(lambdas)) {
    if (!taskConfigs.some((t) => t.name === task)) {
      const line = lineOf(file, ['training', 'weighting', 'lambdas', task]);
      throw new UserError(
        `${file}${line !== undefined ? `:${line}` : ''}: training.weighting.lambdas.${task}: no task named '${task}' (tasks: ${taskConfigs.map((t) => t.name).join(', ')})`,
      );
    }
  }
  if (weighting.type === 'static' && taskConfigs.length > 0 && taskConfigs.every((t) => (lambdas[t.name] ?? t.lambda) === 0)) {
    const line = lineOf(file, ['tasks']);
    throw new UserError(
      `${file}${line !== undefined ? `:${line}` : ''}: tasks: every lambda is 0, so static weighting would train nothing; give at least one task a positive lambda`,
    );
  }
  const seen = new Set<string>();
  for (const t of taskConfigs) {
    if (seen.has(t.name)) throw new UserError(`${file}: task '${t.name}' is listed twice`);
    seen.add(t.name);
  }
  return { ...config, file: resolve(file), taskConfigs };
}
