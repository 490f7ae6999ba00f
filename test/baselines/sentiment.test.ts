import { describe, expect, it } from 'vitest';
import { fitSentimentBaseline, inferPolarity, lexiconScore, tokenizeForLexicon } from '../../src/baselines/sentiment.js';

describe('majority baseline', () => {
  it('predicts the most frequent training label, ties → first in `labels`', () => {
    const train = [
      { text: 'a', label: 'neg' },
      { text: 'b', label: 'pos' },
      { text: 'c', label: 'pos' },
    ];
    const b = fitSentimentBaseline('majority', train, ['neg', 'pos']);
    expect(b.predict(['x', 'y', 'z'])).toEqual(['pos', 'pos', 'pos']);
    expect(b.fitted).toEqual({ label: 'pos' });
    const tie = fitSentimentBaseline('majority', train.slice(0, 2), ['pos', 'neg']);
    expect(tie.predict(['x'])).toEqual(['pos']);
  });

  it('validates labels', () => {
    expect(() => fitSentimentBaseline('majority', [{ text: 'a', label: 'meh' }], ['neg', 'pos'])).toThrow(/not one of/);
    expect(() => fitSentimentBaseline('majority', [], ['neg', 'pos'])).toThrow(/needs training/);
  });
});

describe('lexicon scoring (natural SentimentAnalyzer, AFINN-165, natural PorterStemmer)', () => {
  it('tokenizes keeping contractions and adds "not" after n\'t', () => {
    expect(tokenizeForLexicon("I don't like it!")).toEqual(['i', "don't", 'not', 'like', 'it']);
    expect(tokenizeForLexicon('A well-known, GREAT film')).toEqual(['a', 'well-known', 'great', 'film']);
  });

  it('scores = Σ AFINN valence / #tokens, negators flip what follows', () => {
    // natural stems the lexicon keys, later entries overwrite earlier ones: 'love' (+3) and
    // 'loving' (+2) both become key 'love' → +2. So 2 over 4 tokens.
    expect(lexiconScore('I love this movie')).toBeCloseTo(2 / 4, 15);
    // 'amazing' +4 (key 'amaz'); 'boring' −3 and 'dull' −2 over 4 tokens
    expect(lexiconScore('amazing')).toBe(4);
    expect(lexiconScore('a boring, dull plot')).toBeCloseTo(-5 / 4, 15);
    // "not" flips good (+3) → −3, over 4 tokens
    expect(lexiconScore('This is not good')).toBeCloseTo(-3 / 4, 15);
    // terrible −3, awful −3, bad −3 → −9 / 3
    expect(lexiconScore('terrible awful bad')).toBeCloseTo(-3, 15);
    // don't → "not" flips like (+2) → −2 over 5 tokens
    expect(lexiconScore("I don't like it")).toBeCloseTo(-2 / 5, 15);
    // great +3, horrible −3 → 0
    expect(lexiconScore('Great acting but the ending was horrible')).toBe(0);
    expect(lexiconScore('')).toBe(0);
    expect(lexiconScore('The film was okay')).toBe(0); // no AFINN word
  });
});

describe('lexicon baseline', () => {
  it('binary: positive iff score > 0 by default (no tuning)', () => {
    const b = fitSentimentBaseline('lexicon', [], ['negative', 'positive']);
    expect(b.fitted).toEqual({ threshold: 0, tuned: false });
    expect(b.predict(['What a wonderful film', 'a boring, dull plot', 'The film was okay'])).toEqual([
      'positive', // wonderful +4 / 4 = 1
      'negative', // boring −3, dull −2 → −5/4
      'negative', // 0 is not > 0
    ]);
  });

  it('binary: infers roles from SST-2 style 0/1 labels by order', () => {
    expect(inferPolarity(['0', '1'])).toEqual({ negative: '0', positive: '1' });
    expect(inferPolarity(['Positive', 'Negative'])).toEqual({ negative: 'Negative', positive: 'Positive' });
    expect(inferPolarity(['negative', 'neutral', 'positive'])).toEqual({ negative: 'negative', neutral: 'neutral', positive: 'positive' });
    expect(() => inferPolarity(['a', 'b', 'c', 'd'])).toThrow(/2 or 3 labels/);
  });

  it('binary: tuneThreshold picks the training threshold with the best macro-F1', () => {
    // Training scores: "amazing" 4 (pos), "What a wonderful film" 1 (pos),
    // "I like it" +2/3 (neg!), "terrible awful bad" −3 (neg).
    // t = 0 → preds pos,pos,pos,neg: F1(pos) = 2·(2/3)·1/(5/3) = .8, F1(neg) = 2·1·.5/1.5 = 2/3 → .733
    // t = 2/3 → pos,pos,neg,neg: perfect → 1. So t = 2/3.
    const train = [
      { text: 'amazing', label: '1' },
      { text: 'What a wonderful film', label: '1' },
      { text: 'I like it', label: '0' },
      { text: 'terrible awful bad', label: '0' },
    ];
    const b = fitSentimentBaseline('lexicon', train, ['0', '1'], { tuneThreshold: true });
    expect(b.fitted.threshold).toBeCloseTo(2 / 3, 15);
    expect(b.predict(train.map((t) => t.text))).toEqual(['1', '1', '0', '0']);
    // Without a strictly better threshold, t stays 0.
    const same = fitSentimentBaseline('lexicon', [train[0]!, train[3]!], ['0', '1'], { tuneThreshold: true });
    expect(same.fitted.threshold).toBe(0);
  });

  it('3-class: ε tuned on train, neutral iff |score| ≤ ε', () => {
    // scores: "What a wonderful film" 1 (positive), "The film was okay" 0 (neutral),
    // "I like it" 2/3 (neutral), "terrible awful bad" −3 (negative)
    // ε = 0: preds pos, neu, pos, neg → F1 pos = 2/3, neu = 2/3, neg = 1 → .778
    // ε = 2/3: pos, neu, neu, neg → all correct → 1  (ε = 1 would make the positive one neutral)
    const train = [
      { text: 'What a wonderful film', label: 'positive' },
      { text: 'The film was okay', label: 'neutral' },
      { text: 'I like it', label: 'neutral' },
      { text: 'terrible awful bad', label: 'negative' },
    ];
    const b = fitSentimentBaseline('lexicon', train, ['negative', 'neutral', 'positive']);
    expect(b.fitted.epsilon).toBeCloseTo(2 / 3, 15);
    expect(b.predict(['amazing', 'hate', 'the plot', 'I like it'])).toEqual(['positive', 'negative', 'neutral', 'neutral']);
    const fixed = fitSentimentBaseline('lexicon', train, ['negative', 'neutral', 'positive'], { epsilon: 0 });
    expect(fixed.predict(['I like it'])).toEqual(['positive']);
  });
});
