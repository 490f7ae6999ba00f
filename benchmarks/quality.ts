/**
 * Quality benchmark: `npx tsx benchmarks/quality.ts [--quick] [--sample]` (same as `mtl bench --suite quality`).
 * Each task alone vs jointly under the weightings, architectures and samplers; see src/bench/quality.ts.
 */
import { runQualitySuite } from '../src/bench/quality.js';

const quick = process.argv.includes('--quick');
const sample = process.argv.includes('--sample');
const { markdown } = await runQualitySuite({ quick, sample, log: (l) => console.error(l) });
console.log(markdown);
