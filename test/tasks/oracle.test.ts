import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { greedyOracle, oracleLabels } from '../../src/tasks/oracle.js';
import { positionFeatures, POSITION_FEATURES, selectSentences } from '../../src/tasks/summarization/index.js';

const DOC = ['The cat sat on the mat.', 'Dogs bark loudly at night.', 'The cat ate the fish.', 'It rained all day.'];
const REF = 'The cat sat on the mat and ate the fish.';

describe('greedy ROUGE oracle', () => {
  // Reference tokens: the cat sat on the mat and ate the fish (10 unigrams, 9 bigrams).
  // Step 1: s0 → R1 F = 2·6/(6+10) = .75, R2 F = 2·5/(5+9) = .714 (sum 1.464);
  //         s2 → R1 F = 2·5/(5+10) = .667, R2 F = 2·3/(4+9) = .462 (sum 1.128); s1, s3 → 0. Pick s0.
  // Step 2: s0+s2 (document order, 11 tokens: the×4 clipped to 3, cat×2 to 1, …) → R1 overlap 9,
  //         F = 18/21; bigrams 10, overlap 7 (the-cat clipped to 1), F = 14/19: sum 1.594 > 1.464. Add s2.
  // Step 3: s1 or s3 only add unmatched tokens (lower precision, same recall): no gain → stop.
  it('picks the sentence with the largest R1+R2 gain, stops when nothing helps', () => {
    const r = greedyOracle(DOC, REF);
    expect(r.indices).toEqual([0, 2]);
    expect(r.order).toEqual([0, 2]); // s0 first, then s2
    expect(r.labels).toEqual([1, 0, 1, 0]);
    expect(r.score).toBeCloseTo(18 / 21 + 14 / 19, 12);
    expect(oracleLabels(DOC, REF)).toEqual([1, 0, 1, 0]);
  });

  it('stops at maxSentences', () => {
    const r = greedyOracle(DOC, REF, { maxSentences: 1 });
    expect(r.indices).toEqual([0]);
    expect(r.score).toBeCloseTo(0.75 + 10 / 14, 12);
    expect(() => greedyOracle(DOC, REF, { maxSentences: 0 })).toThrow(/maxSentences/);
  });

  it('only considers the first `limit` sentences; labels keep the document length', () => {
    const r = greedyOracle(DOC, REF, { limit: 2 });
    expect(r.indices).toEqual([0]);
    expect(r.labels).toEqual([1, 0, 0, 0]);
  });

  it('several references: best reference per ROUGE type; ties go to the earlier sentence', () => {
    // s1 and s2 each match one reference exactly (R1 = R2 = 1): tie → s1. Adding s2 then halves
    // the precision against either reference: no gain.
    const r = greedyOracle(DOC, ['The cat ate the fish.', 'Dogs bark loudly at night.']);
    expect(r.indices).toEqual([1]);
    expect(r.score).toBeCloseTo(2, 12);
  });

  it('uses the ROUGE tokeniser (Porter stemming, punctuation and case ignored)', () => {
    const doc = ['Nothing in common here.', 'The DOGS were running!'];
    expect(greedyOracle(doc, 'dog runs').indices).toEqual([1]);
    expect(greedyOracle(doc, 'dog runs', { useStemmer: false }).indices).toEqual([]);
  });

  it('selects nothing against an unrelated reference, or for an empty document', () => {
    expect(greedyOracle(DOC, 'Completely unrelated words.')).toEqual({ indices: [], order: [], labels: [0, 0, 0, 0], score: 0 });
    expect(greedyOracle([], REF)).toEqual({ indices: [], order: [], labels: [], score: 0 });
    expect(() => greedyOracle(DOC, [])).toThrow(/reference/);
  });
});

describe('sentence selection', () => {
  const S = ['A b c d.', 'E f g h.', 'A b c x.', 'Y z.', 'Q r s t u v.'];
  const scores = [0.9, 0.1, 0.8, 0.7, 0.3];
  const idx = (o: Parameters<typeof selectSentences>[2], sc = scores) => selectSentences(S, sc, o).map((s) => s.index);

  it('trigram blocking skips a candidate sharing a trigram with a selected sentence', () => {
    // by score: 0, 2 (shares "a b c" with 0 → skipped), 3
    expect(idx({ sentences: 2 })).toEqual([0, 3]);
    expect(idx({ sentences: 2, trigramBlocking: false })).toEqual([0, 2]);
    // sentences of fewer than 3 tokens have no trigram and are never blocked
    expect(selectSentences(['a b', 'a b'], [1, 0.5], { sentences: 2 }).map((s) => s.index)).toEqual([0, 1]);
  });

  it('by count: top sentences by score, returned in document order with their scores', () => {
    const sel = selectSentences(S, [0.1, 0.2, 0.3, 0.9, 0.8], { sentences: 2 });
    expect(sel).toEqual([
      { text: 'Y z.', index: 3, score: 0.9 },
      { text: 'Q r s t u v.', index: 4, score: 0.8 },
    ]);
    expect(idx({})).toEqual([0, 3, 4]); // default 3 sentences
    expect(idx({ sentences: 10 })).toEqual([0, 1, 3, 4]); // all but the blocked one
    // ties → earlier sentence
    expect(idx({ sentences: 1 }, [0.5, 0.5, 0.5, 0.5, 0.5])).toEqual([0]);
  });

  it('by ratio: ⌈ratio · n⌉ sentences (at least one)', () => {
    expect(idx({ ratio: 0.4 })).toEqual([0, 3]); // 2 of 5
    expect(idx({ ratio: 0.5 })).toEqual([0, 3, 4]); // ⌈2.5⌉ = 3
    expect(idx({ ratio: 0.01 })).toEqual([0]);
    expect(idx({ ratio: 0.5, sentences: 1 })).toEqual([0]); // every given limit applies
  });

  it('by word budget: in score order while the total fits, stopping at the first that does not', () => {
    // words: 4, 4, 4, 2, 6
    expect(idx({ words: 6 })).toEqual([0, 3]); // 4 + 2; next (6 words) would overflow
    expect(idx({ words: 5 })).toEqual([0]); // 4; then 'Y z.' would make 6 > 5
    expect(idx({ words: 2 })).toEqual([0]); // the first sentence is always taken
    expect(idx({ words: 100 })).toEqual([0, 1, 3, 4]);
    expect(idx({ words: 100, sentences: 2 })).toEqual([0, 3]);
  });

  it('only scored sentences are candidates; bad options throw', () => {
    expect(idx({ sentences: 5 }, [0.1, 0.9])).toEqual([0, 1]);
    expect(() => idx({ sentences: 0 })).toThrow(UserError);
    expect(() => idx({ ratio: 1.5 })).toThrow(UserError);
    expect(() => idx({ words: -1 })).toThrow(UserError);
  });
});

describe('position features', () => {
  it('have a fixed length, mark first / last and encode i/n', () => {
    const f0 = positionFeatures(0, 10);
    const f9 = positionFeatures(9, 10);
    expect(f0).toHaveLength(POSITION_FEATURES);
    expect(f0.slice(0, 4)).toEqual([0, 1, 1, 0]);
    expect(f9.slice(0, 4)).toEqual([0.9, 0.1, 0, 1]);
    // exactly one bucket is hot
    for (const i of [0, 1, 2, 3, 4, 5, 9, 10, 39])
      expect(
        positionFeatures(i, 40)
          .slice(-6)
          .reduce((a, b) => a + b, 0),
      ).toBe(1);
  });
});
