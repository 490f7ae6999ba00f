/**
 * Architecture registry: name → { factory, options schema }. Adding an architecture = one new file
 * (its factory and its zod options schema) + one line here; the training YAML's `architecture`
 * accepts `{ type: <name>, ...options }` for every registered architecture.
 */
import type { z } from 'zod';
import { crossStitch, crossStitchOptions } from './cross-stitch.js';
import { hard, hardOptions } from './hard.js';
import { mmoe, mmoeOptions } from './mmoe.js';
import type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory } from './types.js';
import { UserError } from '../errors.js';

export type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory, ArchitectureType, TaskRelations } from './types.js';
export { crossStitchOptions, hardOptions, mmoeOptions };

export interface ArchitecturePlugin {
  create: ArchitectureFactory;
  /** The architecture's options (the config without `type`); a strict zod object, defaults left to the factory. */
  options: z.ZodObject;
}

export const ARCHITECTURES: Record<string, ArchitecturePlugin> = {
  hard: { create: hard, options: hardOptions },
  'cross-stitch': { create: crossStitch, options: crossStitchOptions },
  mmoe: { create: mmoe, options: mmoeOptions },
};

/**
 * Add (or replace) an architecture; the training config schema picks it up at the next parse.
 * @example
 * registerArchitecture('my-hard', { options: z.object({}).strict(), create: (_config, ctx) => ARCHITECTURES.hard!.create({ type: 'hard' }, ctx) });
 * // now valid in a training YAML: architecture: { type: my-hard } (docs/develop/extending.md)
 */
export function registerArchitecture(type: string, plugin: ArchitecturePlugin): void {
  ARCHITECTURES[type] = plugin;
}

export function createArchitecture(config: ArchitectureConfig, ctx: ArchitectureContext): Architecture {
  const plugin = Object.prototype.hasOwnProperty.call(ARCHITECTURES, config.type) ? ARCHITECTURES[config.type] : undefined;
  if (!plugin) throw new UserError(`unknown architecture "${String(config.type)}" (known: ${Object.keys(ARCHITECTURES).join(', ')})`);
  return plugin.create(config, ctx);
}
