/**
 * Encoder selection for configs and the CLI: a hub id, a local folder, or `fixture:<variant>`, a
 * tiny random-weight encoder the project generates offline (the embedded default: no hub here).
 */
import { resolveEncoderRef } from '../encoder/refs.js';

/** `fixture:<variant>` → the generated folder, `mtl:<name>` → the bundled one; other ids pass through. */
export async function resolveModelId(model: string): Promise<string> {
  return (await resolveEncoderRef(model)).model;
}

export { loadEncoder, loadEncoderFor, type EncoderSpec } from '../training/saved-encoder.js';
