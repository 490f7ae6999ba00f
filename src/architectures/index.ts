/**
 * Architecture registry (src/utils/registry.ts): plug-ins { type, options schema, factory }. Adding an architecture = one new file
 * (its factory and its zod options schema) + one line here; the training YAML's `architecture`
 * accepts `{ type: <name>, ...options }` for every registered architecture.
 */
import type { z } from 'zod';
import { crossStitch, crossStitchOptions } from './cross-stitch.js';
import { hard, hardOptions } from './hard.js';
import { mmoe, mmoeOptions } from './mmoe.js';
import type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory } from './types.js';
import { Registry, type Plugin } from '../utils/registry.js';

export type {
  Architecture,
  ArchitectureConfig,
  ArchitectureContext,
  ArchitectureFactory,
  ArchitectureType,
  TaskRelations,
} from './types.js';
export { crossStitchOptions, hardOptions, mmoeOptions };

export interface ArchitecturePlugin extends Plugin {
  create: ArchitectureFactory;
  /** The architecture's options (the config without `type`); a strict zod object, defaults left to the factory. */
  options: z.ZodObject;
}

/** The architecture registry (`register(plugin)`); the training config schema reads it at every parse. */
export const architectures = new Registry<ArchitecturePlugin>('architecture', [
  { type: 'hard', create: hard, options: hardOptions },
  { type: 'cross-stitch', create: crossStitch, options: crossStitchOptions },
  { type: 'mmoe', create: mmoe, options: mmoeOptions },
]);

/** Live view `type → plug-in` of {@link architectures}. */
export const ARCHITECTURES = architectures.asRecord();

/**
 * Add (or replace) an architecture: `architectures.register({ type, ...plugin })`; the training config
 * schema picks it up at the next parse.
 * @example
 * registerArchitecture('my-hard', { options: z.object({}).strict(), create: (_config, ctx) => ARCHITECTURES.hard!.create({ type: 'hard' }, ctx) });
 * // now valid in a training YAML: architecture: { type: my-hard } (docs/develop/extending.md)
 */
export function registerArchitecture(type: string, plugin: Omit<ArchitecturePlugin, 'type'>): void {
  architectures.register({ ...plugin, type });
}

export function createArchitecture(config: ArchitectureConfig, ctx: ArchitectureContext): Architecture {
  return architectures.require(config.type).create(config, ctx);
}
