/** Architecture registry: name → factory. Adding an architecture = one new file + one line here. */
import { crossStitch } from './cross-stitch.js';
import { hard } from './hard.js';
import { mmoe } from './mmoe.js';
import type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory } from './types.js';

export type { Architecture, ArchitectureConfig, ArchitectureContext, ArchitectureFactory, ArchitectureType, TaskRelations } from './types.js';

export const ARCHITECTURES: Record<string, ArchitectureFactory> = {
  hard,
  'cross-stitch': crossStitch,
  mmoe,
};

export function createArchitecture(config: ArchitectureConfig, ctx: ArchitectureContext): Architecture {
  const factory = ARCHITECTURES[config.type];
  if (!factory) throw new Error(`unknown architecture "${String(config.type)}" (known: ${Object.keys(ARCHITECTURES).join(', ')})`);
  return factory(config, ctx);
}
