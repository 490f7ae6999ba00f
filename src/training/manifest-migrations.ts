/**
 * Saved models of older manifest versions load through named migrations: each one a function from
 * version n to n + 1, applied in order by {@link migrateManifest} until the manifest is of the
 * current version (format.ts MANIFEST_VERSION). A task's options are parsed by its own schema
 * (with today's defaults); a migration spells out what an older version meant where the defaults
 * could move on, so old models keep predicting the same.
 */
import { MANIFEST_VERSION } from './format.js';
import { UserError } from '../errors.js';

type Json = Record<string, unknown>;

export interface ManifestMigration {
  /** The version it reads; it writes `from + 1`. */
  from: number;
  /** What it changes, in words. */
  describe: string;
  migrate(manifest: Json): Json;
}

/** The options a version-1 task spec may lack (saved before the option), with what those models used. */
const V1_TASK_OPTIONS: Readonly<Record<string, Json>> = {
  sentiment: { features: [], pooling: 'mean' },
  'translation-quality': { input: 'siamese', features: [] },
  summarization: { features: [], selection: 'independent' },
};

/**
 * Version 1 → 2: every built-in task's config spells out the input options added during version 1
 * (sentiment `features`, `pooling`; translation quality `input`, `features`; summarization
 * `features`, `selection`), with the values of the models saved before them.
 */
export function v1ToV2(manifest: Json): Json {
  const tasks = Array.isArray(manifest.tasks) ? (manifest.tasks as Json[]) : [];
  return {
    ...manifest,
    formatVersion: 2,
    tasks: tasks.map((spec) => {
      const missing = V1_TASK_OPTIONS[String(spec.type)];
      if (!missing) return spec;
      const config = (spec.config ?? {}) as Json;
      return { ...spec, config: { ...missing, ...config } };
    }),
  };
}

/** The migrations, in version order. */
export const MANIFEST_MIGRATIONS: readonly ManifestMigration[] = [
  { from: 1, describe: 'task configs spell out the input options of version 1', migrate: v1ToV2 },
];

/**
 * A parsed manifest.json of any supported version as a manifest of the current version (`source`
 * names it in errors); a version newer than this package or without a migration is an Error.
 */
export function migrateManifest(raw: unknown, source: string): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  let m = raw as Json;
  const first = m.formatVersion;
  while (typeof m.formatVersion === 'number' && m.formatVersion < MANIFEST_VERSION) {
    const step = MANIFEST_MIGRATIONS.find((x) => x.from === m.formatVersion);
    if (!step)
      throw new UserError(
        `${source}: format version ${String(first)} cannot be read: no migration from version ${m.formatVersion} (this package reads ${MANIFEST_VERSION}); open it with the mtl-nlp version that wrote it, or retrain the model`,
      );
    m = step.migrate(m);
    if (m.formatVersion !== step.from + 1) throw new Error(`migration from version ${step.from} wrote version ${String(m.formatVersion)}`);
  }
  return m;
}
