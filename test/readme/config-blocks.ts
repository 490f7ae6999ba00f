/**
 * A yaml block of the docs, validated against the project's config schemas (built from the plug-in
 * registries, as `mtl train` builds them). A block with a key of the training config (`encoder`,
 * `tasks`, `training`, …) is a training config, any other a task config. A fragment is completed
 * by the shipped config it belongs to: the file its first line names (`# tasks/x.yaml`), else
 * tasks/multitask.yaml; its top-level keys replace that config's. A block that names its file and
 * holds all of that file's keys must equal the file. The task configs a training config lists must
 * exist beside it and be valid, and a task's options given in a comment line
 * (`# sentiment:  input: { … }`) are validated against that task's shipped config too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { taskConfigSchema, trainingConfigSchema } from '../../src/config/schema.js';
import { packageRoot } from '../../src/utils/paths.js';

type Yaml = Record<string, unknown>;
const shipped = (file: string): Yaml => parseYaml(readFileSync(join(packageRoot(), file), 'utf8')) as Yaml;

/** Parses `value` with `schema`; throws `<where>: <field>: <reason>` for the first issue. */
function validate<T>(where: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])].join('.') || '(top level)';
  throw new Error(`${where}: ${path}: ${issue.message}`);
}

/** Validates one yaml block (`where` names it in errors: `docs/x.md:31`); returns what was checked, one line each. */
export function checkConfigBlock(where: string, body: string): string[] {
  const block = parseYaml(body) as Yaml | null;
  if (!block || typeof block !== 'object' || Array.isArray(block)) throw new Error(`${where}: not a YAML mapping`);
  const named = /^#\s*(tasks\/[\w.-]+\.ya?ml)\b/.exec(body)?.[1];
  const trainingKeys = Object.keys(trainingConfigSchema().shape);
  const training = Object.keys(block).some((k) => trainingKeys.includes(k));
  const baseFile = named ?? (training ? 'tasks/multitask.yaml' : undefined);
  if (!baseFile) throw new Error(`${where}: a task-config fragment must name its file in its first line (# tasks/<name>.yaml)`);
  if (!existsSync(join(packageRoot(), baseFile))) throw new Error(`${where}: names ${baseFile}, which does not exist`);
  const base = shipped(baseFile);
  const merged = { ...base, ...block };
  const checked: string[] = [];
  if (training) {
    const config = validate(where, trainingConfigSchema(), merged);
    checked.push(`training config (${Object.keys(block).join(', ')} over ${baseFile})`);
    for (const t of config.tasks) {
      const file = join('tasks', t.config);
      if (!existsSync(join(packageRoot(), file))) throw new Error(`${where}: tasks: ${t.config} is not a config in tasks/`);
      validate(`${where}: ${file}`, taskConfigSchema(), shipped(file));
    }
  } else {
    validate(where, taskConfigSchema(), merged);
    checked.push(`task config (${Object.keys(block).join(', ')} over ${baseFile})`);
  }
  if (named && Object.keys(base).every((k) => k in block) && !isDeepStrictEqual(block, base))
    throw new Error(`${where}: says it is ${named} but differs from it`);
  for (const m of body.matchAll(/^#\s*([\w-]+):\s+(input: \{.*\})\s*(?:\(.*)?$/gm)) {
    const file = `tasks/${m[1]}.yaml`;
    if (!existsSync(join(packageRoot(), file))) throw new Error(`${where}: a comment gives options of '${m[1]}', which has no ${file}`);
    validate(`${where} (comment on ${m[1]})`, taskConfigSchema(), { ...shipped(file), ...(parseYaml(m[2]!) as Yaml) });
    checked.push(`task config (input of the comment over ${file})`);
  }
  return checked;
}
