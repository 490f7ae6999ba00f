/**
 * Encoder references beside hub ids and local folders, resolved in one place for the library, the
 * configs and the CLI: `mtl:<name>`, a pretrained encoder shipped in the package (bundled.ts), and
 * `fixture:<variant>`, a small random-weight encoder generated offline (src/generators).
 */
import { UserError } from '../errors.js';
import { BUNDLED_PREFIX, bundledDefaultDtype, resolveBundled } from './bundled.js';

export const FIXTURE_PREFIX = 'fixture:';

export interface ResolvedEncoderRef {
  /** The folder (or the hub id, passed through unchanged). */
  model: string;
  /** The dtype to load when the caller names none (a bundled encoder ships its q8 file only). */
  defaultDtype?: 'q8';
}

/** `mtl:<name>` → its folder, `fixture:<variant>` → the generated folder; other ids pass through. */
export async function resolveEncoderRef(model: string): Promise<ResolvedEncoderRef> {
  if (model.startsWith(BUNDLED_PREFIX)) {
    const dir = resolveBundled(model);
    const dtype = bundledDefaultDtype(dir);
    return dtype ? { model: dir, defaultDtype: dtype } : { model: dir };
  }
  if (!model.startsWith(FIXTURE_PREFIX)) return { model };
  // the generators load only when a fixture is asked for
  const { ensureFixture, FIXTURE_VARIANTS, isFixtureVariant } = await import('../generators/index.js');
  const variant = model.slice(FIXTURE_PREFIX.length);
  if (!isFixtureVariant(variant)) throw new UserError(`unknown fixture encoder '${variant}' (known: ${FIXTURE_VARIANTS.join(', ')})`);
  return { model: await ensureFixture(variant) };
}
