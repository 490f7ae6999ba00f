/**
 * One place where a task's options are parsed: each task declares its options once, as a zod
 * schema with its defaults (next to its class), and its constructor, its rebuild from a saved spec
 * and its task-YAML declaration all go through {@link parseTaskOptions}. A bad option is an Error
 * naming the task, the option, what was expected and what was given.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';

/** Label of a classification task: a string or a number. */
export const LabelSchema = z.union([z.string(), z.number()]);

/** Mean and standard deviation per side feature (fitted on the training data; null or absent: not fitted yet). */
export const FeatureStatsSchema = z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).strict();

/** A list of distinct names from `values` (side features of a task). */
export function distinctNames<T extends string>(values: readonly T[]) {
  return z
    .array(z.enum(values as unknown as [T, ...T[]]))
    .refine((xs) => new Set(xs).size === xs.length, { message: 'a feature is listed twice' });
}

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || 'options';
  const got = 'input' in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : '';
  if (issue.code === 'invalid_value') return `${path} must be one of ${issue.values.map(String).join(', ')}${got}`;
  if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return `${path}: ${issue.message}${got}`;
}

/**
 * The options of task `name` (for the message; default the schema's own `name` default) parsed by
 * its schema: defaults filled in, unknown keys and bad values rejected with an Error naming them.
 */
export function parseTaskOptions<S extends z.ZodType>(schema: S, config: unknown, name?: string): z.output<S> {
  const r = schema.safeParse(config ?? {}, { reportInput: true });
  if (r.success) return r.data;
  const who = name ?? String((config as { name?: unknown } | undefined)?.name ?? 'task');
  throw new UserError(`task "${who}": ${r.error.issues.map(describe).join('; ')}`);
}
