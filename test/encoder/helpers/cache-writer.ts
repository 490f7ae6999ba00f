/**
 * Child process for the two-process cache test: writes `count` vectors (some keys shared with the other
 * writer, same values) into the cache folder in small transactions, then reads them all back.
 * argv: dir, writer id, count. Prints JSON {written, readBack, mismatches}.
 */
import { SqliteEmbeddingCache } from '../../../src/encoder/cache-sqlite.js';

const [dir, id, countArg] = process.argv.slice(2);
const count = Number(countArg);
const dim = 16;
const vec = (text: string) => {
  const v = new Float32Array(dim);
  for (let k = 0; k < dim; k++) v[k] = ((text.length * 31 + k * 7 + text.charCodeAt(text.length - 1)) % 97) / 97;
  return v;
};
const cache = new SqliteEmbeddingCache({ dir: dir!, configKey: 'two-process-test', dim, warn: (m) => process.stderr.write(m + '\n') });
const texts: string[] = [];
for (let i = 0; i < count; i++) texts.push(i % 3 === 0 ? `shared text ${i}` : `writer ${id} text ${i}`);
for (let s = 0; s < texts.length; s += 10) {
  cache.store(texts.slice(s, s + 10).map((text) => ({ text, vector: vec(text) })));
}
cache.close();
// Fresh instance (empty LRU): every vector must come from SQLite.
const reader = new SqliteEmbeddingCache({ dir: dir!, configKey: 'two-process-test', dim, warn: (m) => process.stderr.write(m + '\n') });
const got = reader.lookup(
  texts,
  texts.map((_, i) => i),
);
let mismatches = 0;
for (const [i, v] of got) {
  const want = vec(texts[i]!);
  for (let k = 0; k < dim; k++) if (v[k] !== want[k]) mismatches++;
}
reader.close();
process.stdout.write(JSON.stringify({ written: texts.length, readBack: got.size, mismatches }));
