import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusRouge, rougeLsumFromTokens, scoreRouge, tokenizeForRouge, type RougeScore } from '../../src/metrics/rouge.js';
import { bootstrapRouge } from '../../src/metrics/rouge-bootstrap.js';
import { lcsIndices } from '../../src/metrics/rouge-lcs.js';

const TYPES = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;

function expectScore(got: RougeScore, p: number, r: number, f: number, digits = 12): void {
  expect(got.precision).toBeCloseTo(p, digits);
  expect(got.recall).toBeCloseTo(r, digits);
  expect(got.fmeasure).toBeCloseTo(f, digits);
}

describe('tokenizeForRouge (rouge_score/tokenize.py)', () => {
  it('lower-cases, splits on non-[a-z0-9], stems tokens longer than 3 chars', () => {
    expect(tokenizeForRouge('The quick brown fox jumps over the lazy dog')).toEqual([
      'the',
      'quick',
      'brown',
      'fox',
      'jump',
      'over',
      'the',
      'lazi',
      'dog',
    ]);
    // "U.S." -> "u s"; "don't" -> "don t"; "café" -> "caf"; 3-char tokens are never stemmed ("ran", "dog").
    expect(tokenizeForRouge("U.S. don't café ran dogs")).toEqual(['u', 's', 'don', 't', 'caf', 'ran', 'dog']);
    expect(tokenizeForRouge('Running runs', false)).toEqual(['running', 'runs']);
    expect(tokenizeForRouge(' /// ')).toEqual([]);
  });
});

describe('scoreRouge against rouge-score', () => {
  it('reproduces the README example (use_stemmer=True) bit for bit', () => {
    // scorer.score('The quick brown fox jumps over the lazy dog', 'The quick brown dog jumps on the log.')
    const s = scoreRouge('The quick brown dog jumps on the log.', 'The quick brown fox jumps over the lazy dog');
    // ref tokens (9): the quick brown fox jump over the lazi dog; pred (8): the quick brown dog jump on the log
    // unigram overlap: the×2, quick, brown, dog, jump = 6 -> P = 6/8, R = 6/9
    expect(s.rouge1).toEqual({ precision: 0.75, recall: 0.6666666666666666, fmeasure: 0.7058823529411765 });
    // LCS = the quick brown jump the = 5 -> P = 5/8, R = 5/9
    expect(s.rougeL).toEqual({ precision: 0.625, recall: 0.5555555555555556, fmeasure: 0.5882352941176471 });
    // bigrams: ref 8, pred 7, shared "the quick", "quick brown" = 2 -> P = 2/7, R = 2/8
    expectScore(s.rouge2, 2 / 7, 2 / 8, (2 * (2 / 7) * (2 / 8)) / (2 / 7 + 2 / 8));
  });

  it('passes the unit cases of rouge_scorer_test.py', () => {
    // testRouge1: score("testing one two", "testing") -> P 1, R 1/3, F 1/2
    expectScore(scoreRouge('testing', 'testing one two', { useStemmer: false }).rouge1, 1, 1 / 3, 1 / 2);
    // testRouge2: score("testing one two", "testing one") -> P 1, R 1/2, F 2/3
    expectScore(scoreRouge('testing one', 'testing one two', { useStemmer: false }).rouge2, 1, 1 / 2, 2 / 3);
    // testRougeLConsecutive / NonConsecutive -> P 1, R 2/3, F 4/5
    expectScore(scoreRouge('testing one', 'testing one two', { useStemmer: false }).rougeL, 1, 2 / 3, 4 / 5);
    expectScore(scoreRouge('testing two', 'testing one two', { useStemmer: false }).rougeL, 1, 2 / 3, 4 / 5);
    // testRougeEmpty: empty prediction -> all zero, every type
    const empty = scoreRouge('', 'testing one two');
    for (const t of TYPES) expect(empty[t]).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('passes testRougeLsum and its empty / non-word cases', () => {
    // Lin (2004) §3.2 example: ref w1..w5, candidate sentences share [w1 w2] and [w1 w3 w5]:
    // union LCS = {w1, w2, w3, w5} = 4 hits; R = 4/5, P = 4/10, F = 0.5333…
    const s = scoreRouge('w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5', 'w1 w2 w3 w4 w5', { useStemmer: false });
    expectScore(s.rougeLsum, 0.4, 0.8, (2 * 0.4 * 0.8) / 1.2);
    for (const [pred, ref] of [
      ['', 'w1 w2 w3 w4 w5'],
      ['w1', ''],
      ['/', 'w1 w2 w3 w4 w5'],
    ] as const) {
      expect(scoreRouge(pred, ref).rougeLsum).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    }
    // testSummaryLevelLcs: the tokenizer may drop every token of a candidate sentence.
    expect(rougeLsumFromTokens([['reference']], [[]]).recall).toBe(0);
  });

  it('reads out LCS indices with the same tie-break as _backtrack_norec (testLcsTable)', () => {
    const ref = ['1', '2', '3', '4', '5'];
    expect(lcsIndices(ref, ['2', '5', '3', '4'])).toEqual([1, 2, 3]);
    expect(lcsIndices(ref, ['8', '9'])).toEqual([]);
  });

  // rouge/testdata/target.txt and prediction.txt (lines 0 and 1), ground truth from ROUGE-1.5.5.
  const TARGET = [
    "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L",
    "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN",
  ] as const;
  const PREDICTION = [
    "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi",
    "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD",
  ] as const;

  it('agrees with ROUGE-1.5.5 on rouge_scorer_test.py testdata (5 places, as the Python tests)', () => {
    const plain0 = scoreRouge(PREDICTION[0], TARGET[0], { useStemmer: false });
    const plain1 = scoreRouge(PREDICTION[1], TARGET[1], { useStemmer: false });
    const stem0 = scoreRouge(PREDICTION[0], TARGET[0]);
    const stem1 = scoreRouge(PREDICTION[1], TARGET[1]);
    // testRouge1AgainstRouge155 / testRougeLAgainstRouge155
    expectScore(plain0.rouge1, 0.6875, 0.40741, 0.51163, 5);
    expectScore(plain1.rouge1, 0.65385, 0.40476, 0.5, 5);
    expectScore(plain0.rougeL, 0.6875, 0.40741, 0.51163, 5);
    expectScore(plain1.rougeL, 0.65385, 0.40476, 0.5, 5);
    // testRouge1AgainstRouge155WithStemming: stemming changes example 1 (…ing/…er/…ed tokens)
    expectScore(stem0.rouge1, 0.6875, 0.40741, 0.51163, 5);
    expectScore(stem1.rouge1, 0.69231, 0.42857, 0.52941, 5);
    // testRouge2AgainstRouge155(+WithStemming)
    for (const s of [plain0, stem0]) expectScore(s.rouge2, 0.53333, 0.30769, 0.39024, 5);
    for (const s of [plain1, stem1]) expectScore(s.rouge2, 0.48, 0.29268, 0.36364, 5);
  });

  it('agrees with ROUGE-1.5.5 on multi-sentence Lsum with stemming (testRougeLSumAgainstRouge155WithStemming)', () => {
    // rouge/testdata/pyrouge_files/target_multi.0.txt and prediction_multi.0.txt
    const target = [
      TARGET[0],
      TARGET[1],
      "NhETebUbBk'er WOvoHMTjSRizKgH'vHiing Xu,hWxfs VkNE QhgKiLHE -HidivzoM.dO anhtion jbLQiSGDTCsuhREebUaKM dv J dVN tmbOT",
      "vMR HDm,xOAetion D,tion HJtodT.mHl UIv-p VjWH'BdyWjnfGU-OjT aEMdFICyLWfQMtion wEMfdOKing AwkeKbO 'DxqNOHBH qKtVvm OYJl mM",
      '',
    ].join('\n');
    const prediction = [
      PREDICTION[0],
      PREDICTION[1],
      'xfs VkJE QhgKiLHE -HidivzoM.dO anhing jbLQiSGDTCsuhREebUaKM dv J',
      "VjWH'BdyWjnfGU-OjTNaEMdFICyLWfQMing wEMfdOKijg AwkeKbO 'DxqNO",
      '',
    ].join('\n');
    expectScore(scoreRouge(prediction, target).rougeLsum, 0.66667, 0.36538, 0.47205, 5);
  });

  it('takes, per type, the reference with the best F-measure (score_multi)', () => {
    // ref A = "a b c d": vs pred "a b x y": R1 P=2/4 R=2/4 F=.5; R2 shared "a b" 1/3 each.
    // ref B = "x y": R1 P=2/4 R=2/2 F=2/3; R2 "x y" P=1/3 R=1/1 F=.5.
    // rouge1 best = B (2/3 > 1/2); rouge2 best = B (1/2 > 1/3).
    const s = scoreRouge('a b x y', ['a b c d', 'x y'], { useStemmer: false });
    expectScore(s.rouge1, 0.5, 1, 2 / 3);
    expectScore(s.rouge2, 1 / 3, 1, 0.5);
    // Different types may pick different references. pred "a b c d":
    //   ref "d c b a": R1 overlap 4 → F = 1; no shared bigram → R2 F = 0; LCS 1 → L P = R = F = 1/4.
    //   ref "a b x y": R1 overlap 2 → F = 1/2; bigram "a b" → R2 P = R = F = 1/3; LCS "a b" → L F = 1/2.
    // → rouge1 from the first reference, rouge2 and rougeL from the second.
    const t = scoreRouge('a b c d', ['d c b a', 'a b x y'], { useStemmer: false });
    expectScore(t.rouge1, 1, 1, 1);
    expectScore(t.rouge2, 1 / 3, 1 / 3, 1 / 3);
    expectScore(t.rougeL, 0.5, 0.5, 0.5);
    // Ties keep the first reference (np.argmax): pred "a b" vs "a c" → P = R = F = 1/2;
    // vs "a b c d e f" → P = 1, R = 2/6, F = 2·(1/3)/(4/3) = 0.5 exactly (same F, different P/R).
    const u = scoreRouge('a b', ['a c', 'a b c d e f'], { useStemmer: false });
    expect(u.rouge1).toEqual({ precision: 0.5, recall: 0.5, fmeasure: 0.5 });
    const v = scoreRouge('a b', ['a b c d e f', 'a c'], { useStemmer: false });
    expect(v.rouge1).toEqual({ precision: 1, recall: 2 / 6, fmeasure: 0.5 });
    expect(() => scoreRouge('a', [])).toThrow(/at least one reference/);
  });

  it('counts clipped n-grams (repeated tokens)', () => {
    // pred "the the the the", ref "the cat the": overlap min(4, 2) = 2 → P = 2/4, R = 2/3
    expectScore(scoreRouge('the the the the', 'the cat the').rouge1, 0.5, 2 / 3, (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3));
  });

  it('rejects invalid rouge types', () => {
    // @ts-expect-error invalid type name on purpose
    expect(() => scoreRouge('a', 'a', { types: ['rouge0'] })).toThrow(/Invalid rouge type/);
  });

  const fixture = JSON.parse(readFileSync(new URL('./fixtures/rouge-reference.json', import.meta.url), 'utf8')) as {
    single: { reference: string; prediction: string; useStemmer: boolean; expected: Record<string, [number, number, number]> }[];
    multi: { references: string[]; prediction: string; expected: Record<string, [number, number, number]> }[];
  };

  it('matches the Python reference (rouge-score code + NLTK 3.10.3) on 120 random pairs exactly', () => {
    const mismatches: unknown[] = [];
    for (const c of fixture.single) {
      const s = scoreRouge(c.prediction, c.reference, { useStemmer: c.useStemmer });
      for (const t of TYPES) {
        const [p, r, f] = c.expected[t] as [number, number, number];
        const got = s[t];
        if (got.precision !== p || got.recall !== r || got.fmeasure !== f) mismatches.push({ case: c, type: t, got });
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('matches the Python reference score_multi on 30 multi-reference cases exactly', () => {
    for (const c of fixture.multi) {
      const s = scoreRouge(c.prediction, c.references);
      for (const t of TYPES) {
        const [p, r, f] = c.expected[t] as [number, number, number];
        expect(s[t]).toEqual({ precision: p, recall: r, fmeasure: f });
      }
    }
  });
});

describe('corpusRouge / bootstrapRouge', () => {
  it('averages per-example scores and reports mean F × 100', () => {
    // Example 1: pred "a b" vs ref "a b c d": R1 P=1, R=.5, F=2/3. Example 2: identical → all 1.
    const res = corpusRouge(
      [
        { prediction: 'a b', reference: 'a b c d' },
        { prediction: 'x y z', reference: ['q', 'x y z'] },
      ],
      { useStemmer: false },
    );
    expect(res.n).toBe(2);
    expect(res.rouge1.f).toBeCloseTo(((2 / 3 + 1) / 2) * 100, 12);
    expect(res.rouge1.mean.precision).toBe(1);
    expect(res.rouge1.mean.recall).toBe(0.75);
    // R2: ex1 bigram "a b" P=1/1 R=1/3 F=.5 ; ex2 = 1 → mean F = .75
    expect(res.rouge2.f).toBeCloseTo(75, 12);
    expect(res.perExample).toHaveLength(2);
    expect(() => corpusRouge([])).toThrow();
  });

  it('bootstrap interval brackets the mean and is reproducible', () => {
    const scores = [0.1, 0.4, 0.5, 0.9, 0.3].map((f) => ({ precision: f, recall: f, fmeasure: f }));
    const a = bootstrapRouge(scores, { seed: 1, nSamples: 500 });
    const b = bootstrapRouge(scores, { seed: 1, nSamples: 500 });
    expect(a).toEqual(b);
    expect(a.low.fmeasure).toBeLessThanOrEqual(a.mid.fmeasure);
    expect(a.mid.fmeasure).toBeLessThanOrEqual(a.high.fmeasure);
    expect(a.mid.fmeasure).toBeCloseTo(0.44, 1);
    // A constant score gives a degenerate interval.
    const c = bootstrapRouge([{ precision: 0.5, recall: 0.5, fmeasure: 0.5 }], { nSamples: 10 });
    expect(c.low.fmeasure).toBe(0.5);
    expect(c.high.fmeasure).toBe(0.5);
  });
});
