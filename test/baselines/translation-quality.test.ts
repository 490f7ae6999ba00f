import { describe, expect, it } from 'vitest';
import { fitTranslationQualityBaseline, lengthRatioFeature } from '../../src/baselines/translation-quality.js';

describe('model-scores baseline', () => {
  it('returns the model_scores column unchanged', () => {
    const b = fitTranslationQualityBaseline('model-scores');
    expect(
      b.predict([
        { source: 'a', translation: 'b', modelScore: -0.42 },
        { source: 'c', translation: 'd', modelScore: -1.5 },
      ]),
    ).toEqual([-0.42, -1.5]);
    expect(() => b.predict([{ source: 'a', translation: 'b' }])).toThrow(/modelScore/);
  });
});

describe('length-ratio baseline', () => {
  it('feature = −|ln(len(translation)/len(source))| in code points or tokens', () => {
    // 10 vs 5 chars → −ln 2 ; symmetric: 5 vs 10 → −ln 2 ; equal → 0
    expect(lengthRatioFeature('abcdefghij', 'abcde')).toBeCloseTo(-Math.log(2), 15);
    expect(lengthRatioFeature('abcde', 'abcdefghij')).toBeCloseTo(-Math.log(2), 15);
    expect(lengthRatioFeature('same', 'four')).toBe(-0);
    // "你好世界" is 4 code points; "hello world!" 12 → −ln 3
    expect(lengthRatioFeature('hello world!', '你好世界')).toBeCloseTo(-Math.log(3), 15);
    // an emoji is one code point (two UTF-16 units): 2 vs 1 → −ln 2
    expect(lengthRatioFeature('ab', '😀')).toBeCloseTo(-Math.log(2), 15);
    // tokens: 4 vs 2 → −ln 2 ; empty side counts as length 1
    expect(lengthRatioFeature('the cat sat down', 'die Katze', 'tokens')).toBeCloseTo(-Math.log(2), 15);
    expect(lengthRatioFeature('', 'abc')).toBeCloseTo(-Math.log(3), 15);
  });

  it("fit 'none' predicts the feature", () => {
    const b = fitTranslationQualityBaseline('length-ratio');
    expect(b.predict([{ source: 'abcd', translation: 'ab' }])[0]).toBeCloseTo(-Math.log(2), 15);
  });

  it("fit 'linear' is ordinary least squares of score on the feature (hand-computed)", () => {
    // features: equal lengths → 0 ; 2:1 → −ln2 ; 4:1 → −2 ln2. Scores 1, 0, −1 lie exactly on
    // score = 1 + f / ln2 → slope 1/ln 2, intercept 1.
    const train = [
      { source: 'abcd', translation: 'wxyz', score: 1 },
      { source: 'abcd', translation: 'ab', score: 0 },
      { source: 'abcd', translation: 'a', score: -1 },
    ];
    const b = fitTranslationQualityBaseline('length-ratio', train, { fit: 'linear' });
    expect(b.fitted.slope).toBeCloseTo(1 / Math.LN2, 12);
    expect(b.fitted.intercept).toBeCloseTo(1, 12);
    // 8 vs 1 chars → f = −3 ln2 → 1 − 3 = −2
    expect(b.predict([{ source: 'abcdefgh', translation: 'a' }])[0]).toBeCloseTo(-2, 12);
    // constant feature → slope 0, intercept = mean score
    const flat = fitTranslationQualityBaseline(
      'length-ratio',
      [
        { source: 'ab', translation: 'cd', score: 1 },
        { source: 'ef', translation: 'gh', score: 3 },
      ],
      { fit: 'linear' },
    );
    expect(flat.fitted).toMatchObject({ slope: 0, intercept: 2 });
    expect(() => fitTranslationQualityBaseline('length-ratio', [], { fit: 'linear' })).toThrow(/training rows/);
    expect(() => fitTranslationQualityBaseline('length-ratio', [{ source: 'a', translation: 'b' }], { fit: 'linear' })).toThrow(
      /no finite score/,
    );
  });
});
