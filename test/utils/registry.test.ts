/** The generic plug-in registry every registry of the project is built on. */
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/utils/registry.js';
import { weightings } from '../../src/weighting/index.js';
import { samplers } from '../../src/sampling/index.js';
import { architectures } from '../../src/architectures/index.js';
import { taskTypes } from '../../src/tasks/registry.js';

interface Toy {
  type: string;
  gain: number;
}

describe('Registry', () => {
  it('registers plug-ins by their own type, in order; a second one of a type replaces the first', () => {
    const r = new Registry<Toy>('toy', [{ type: 'a', gain: 1 }]);
    r.register({ type: 'b', gain: 2 });
    expect(r.types()).toEqual(['a', 'b']);
    r.register({ type: 'a', gain: 3 });
    expect(r.types()).toEqual(['a', 'b']);
    expect(r.get('a')?.gain).toBe(3);
    expect(r.values().map((p) => p.gain)).toEqual([3, 2]);
    expect(r.has('c')).toBe(false);
    expect(r.get('c')).toBeUndefined();
  });

  it('require names the kind, the unknown type and the known ones', () => {
    const r = new Registry<Toy>('toy', [
      { type: 'a', gain: 1 },
      { type: 'b', gain: 2 },
    ]);
    expect(() => r.require('zz')).toThrow('unknown toy "zz" (known: a, b)');
    expect(() => r.require('zz', 'config.yaml')).toThrow('config.yaml: unknown toy "zz" (known: a, b)');
    // no prototype keys leak through
    expect(() => r.require('toString')).toThrow(/unknown toy "toString"/);
  });

  it('refuses a plug-in without a type', () => {
    const r = new Registry<Toy>('toy');
    expect(() => r.register({ gain: 1 } as Toy)).toThrow(/register a toy: the plug-in needs a non-empty string "type", got undefined/);
    expect(() => r.register({ type: ' ', gain: 1 })).toThrow(/non-empty string "type"/);
  });

  it('asRecord is a live view: keys, entries and lookups follow the registry; delete unregisters', () => {
    const r = new Registry<Toy>('toy', [{ type: 'a', gain: 1 }]);
    const view = r.asRecord();
    r.register({ type: 'b', gain: 2 });
    expect(Object.keys(view)).toEqual(['a', 'b']);
    expect(Object.entries(view).map(([k, p]) => [k, p.gain])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect('b' in view).toBe(true);
    expect(view.b?.gain).toBe(2);
    delete (view as Record<string, Toy>).a;
    expect(r.types()).toEqual(['b']);
    expect(r.unregister('b')).toBe(true);
    expect(r.unregister('b')).toBe(false);
    expect(Object.keys(view)).toEqual([]);
  });

  it('is the one shape of the weighting, sampler, architecture and task-type registries', () => {
    expect(weightings.types()).toEqual(['static', 'equal', 'uncertainty', 'dwa', 'gradnorm', 'rlw', 'pcgrad']);
    expect(samplers.types()).toEqual(['all', 'proportional', 'temperature', 'round-robin', 'uniform']);
    expect(architectures.types()).toEqual(['hard', 'cross-stitch', 'mmoe']);
    expect(taskTypes.types()).toEqual(['classification', 'pair-regression', 'sentiment', 'translation-quality', 'summarization']);
    for (const r of [weightings, samplers, architectures, taskTypes] as Registry<{ type: string }>[]) {
      for (const p of r.values()) expect(r.get(p.type)).toBe(p);
    }
  });
});
