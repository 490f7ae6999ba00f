/**
 * How a task type is declared in a task YAML (tasks/*.yaml): its loss, its own options (the fields
 * a task YAML may carry beyond the common ones: `labels`, `inference`, …), how a parsed config
 * becomes the task, and how a data source becomes its examples. Each configurable task exports one
 * {@link TaskYaml} next to its class; src/tasks/registry.ts lists them, and src/config/schema.ts
 * builds the task YAML schema from that list.
 */
import type { z } from 'zod';
import type { LoadResult } from '../data/errors.js';
import type { DataSource } from '../data/source.js';
import type { AnyTask } from './types.js';

export const TASK_LOSSES = ['cross-entropy', 'mse', 'binary-cross-entropy'] as const;
export type TaskLoss = (typeof TASK_LOSSES)[number];

/** The fields of a parsed task YAML that every task may read (src/config/schema.ts defines them all). */
export interface TaskYamlCommon {
  name: string;
  head: { hidden: number; dropout: number };
  metrics: string[];
  primaryMetric: string;
  data: { train: DataSource; dev: DataSource };
}

export interface TaskYaml<O extends z.ZodObject = z.ZodObject, E = unknown> {
  /** The loss the task's head trains with; a task YAML must name it (`loss:`). */
  loss: TaskLoss;
  /** The task's own YAML fields (merged into the common ones; unknown keys are rejected). */
  options: O;
  /** Fields the task reads from a generic csv/tsv/jsonl file (mapped through `columns`). */
  fields: readonly string[];
  /** The task a parsed config describes. */
  create(config: TaskYamlCommon & z.output<O>): AnyTask;
  /** One split's examples from a data source (`path` resolved); the caller applies `limit`. */
  load(config: TaskYamlCommon & z.output<O>, path: string, source: DataSource, split: 'train' | 'dev'): LoadResult<E>;
}

/** Identity helper that infers the option types of a task declaration. */
export function taskYaml<O extends z.ZodObject, E>(declaration: TaskYaml<O, E>): TaskYaml<O, E> {
  return declaration;
}
