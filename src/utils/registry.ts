/**
 * One shape for every plug-in registry (weightings, samplers, architectures, task types): a plug-in
 * carries its `type` (the name configs use), its options schema and its factory, and
 * `register(plugin)` adds it. Every list derived from a registry (the config schema's enums, error
 * messages, help texts) reads it when needed, so a plug-in registered at run time shows up
 * everywhere.
 */
import { UserError } from '../errors.js';

export interface Plugin {
  /** The name configs and saved models use for this plug-in. */
  readonly type: string;
}

export class Registry<T extends Plugin> {
  private readonly plugins = new Map<string, T>();

  /** `what` names the kind of plug-in in errors ("weighting", "task type"). */
  constructor(
    readonly what: string,
    plugins: readonly T[] = [],
  ) {
    for (const p of plugins) this.register(p);
  }

  /** Add a plug-in, or replace the one of the same type. */
  register(plugin: T): void {
    if (!plugin || typeof plugin.type !== 'string' || plugin.type.trim() === '') {
      throw new Error(
        `register a ${this.what}: the plug-in needs a non-empty string "type", got ${JSON.stringify((plugin as Partial<Plugin> | undefined)?.type)}`,
      );
    }
    this.plugins.set(plugin.type, plugin);
  }

  /** Remove a plug-in; false when there was none of that type. */
  unregister(type: string): boolean {
    return this.plugins.delete(type);
  }

  has(type: string): boolean {
    return this.plugins.has(type);
  }

  get(type: string): T | undefined {
    return this.plugins.get(type);
  }

  /** The plug-in of `type`, or a UserError naming the known ones (`context` prefixes the message). */
  require(type: string, context?: string): T {
    const p = this.plugins.get(type);
    if (!p)
      throw new UserError(`${context ? `${context}: ` : ''}unknown ${this.what} "${String(type)}" (known: ${this.types().join(', ')})`);
    return p;
  }

  /** The registered types, in registration order. */
  types(): string[] {
    return [...this.plugins.keys()];
  }

  values(): T[] {
    return [...this.plugins.values()];
  }

  /**
   * A live read-only view `type → plug-in` (what the former `Record` registries were): reading it
   * always reflects the registry; `delete view[type]` unregisters.
   */
  asRecord(): Readonly<Record<string, T>> {
    const plugins = this.plugins;
    return new Proxy({} as Record<string, T>, {
      get: (_t, k) => (typeof k === 'string' ? plugins.get(k) : undefined),
      has: (_t, k) => typeof k === 'string' && plugins.has(k),
      ownKeys: () => [...plugins.keys()],
      getOwnPropertyDescriptor: (_t, k) =>
        typeof k === 'string' && plugins.has(k)
          ? { value: plugins.get(k), enumerable: true, configurable: true, writable: false }
          : undefined,
      deleteProperty: (_t, k) => (typeof k === 'string' ? (plugins.delete(k), true) : false),
      set: () => false,
    });
  }
}
