import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  confusionMatrix,
  formatConfusionMatrix,
  macroF1,
  macroPrecision,
  macroRecall,
  macroF1FromConfusion,
  perClassScores,
} from '../../src/metrics/classification.js';

// gold: 0 0 0 1 1 2 ; pred: 0 0 1 1 2 2
const GOLD = [0, 0, 0, 1, 1, 2];
const PRED = [0, 0, 1, 1, 2, 2];

describe('classification metrics (hand-computed)', () => {
  it('accuracy', () => {
    // correct at positions 0, 1, 3, 5 → 4/6
    expect(accuracy(GOLD, PRED)).toBeCloseTo(4 / 6, 15);
    expect(accuracy(['pos', 'neg'], ['pos', 'pos'])).toBe(0.5);
  });

  it('confusion matrix: rows gold, columns predicted', () => {
    expect(confusionMatrix(GOLD, PRED, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('per-class precision / recall / F1', () => {
    // class 0: TP 2, predicted 2, support 3 → P 1, R 2/3, F 0.8
    // class 1: TP 1, predicted 2, support 2 → P 1/2, R 1/2, F 1/2
    // class 2: TP 1, predicted 2, support 1 → P 1/2, R 1, F 2/3
    const s = perClassScores(GOLD, PRED, 3);
    expect(s[0]?.precision).toBe(1);
    expect(s[0]?.recall).toBeCloseTo(2 / 3, 15);
    expect(s[0]?.f1).toBeCloseTo(0.8, 15);
    expect(s[1]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 });
    expect(s[2]?.f1).toBeCloseTo(2 / 3, 15);
    // macro F1 = (0.8 + 0.5 + 2/3) / 3 = 0.655…
    expect(macroF1(GOLD, PRED, 3)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 15);
    expect(macroPrecision(GOLD, PRED, 3)).toBeCloseTo((1 + 0.5 + 0.5) / 3, 15);
    expect(macroRecall(GOLD, PRED, 3)).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 15);
  });

  it('macro F1 over present classes by default, over all classes on request', () => {
    // 4 classes declared, class 3 never appears: present-only = the 3-class value; all = sum / 4
    const three = (0.8 + 0.5 + 2 / 3) / 3;
    expect(macroF1(GOLD, PRED, 4)).toBeCloseTo(three, 15);
    expect(macroF1(GOLD, PRED, 4, { classes: 'all' })).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 4, 15);
    // A class that is predicted but never gold counts (P = 0, R = 0 → F1 = 0): gold [0, 0], pred [0, 1]
    // class 0: P 1, R 1/2, F 2/3; class 1: F 0 → macro 1/3
    expect(macroF1([0, 0], [0, 1], 2)).toBeCloseTo(1 / 3, 15);
  });

  it('validates inputs', () => {
    expect(() => accuracy([1], [1, 2])).toThrow(/different lengths/);
    expect(() => accuracy([], [])).toThrow(/empty/);
    expect(() => macroF1([0, 3], [0, 1], 3)).toThrow(/not a class id/);
    expect(() => confusionMatrix([0.5], [0], 2)).toThrow(/not a class id/);
    expect(() => confusionMatrix([0], [0], 0)).toThrow(/numClasses/);
  });

  it('formats a confusion matrix table', () => {
    const text = formatConfusionMatrix(confusionMatrix(GOLD, PRED, 3), ['neg', 'neu', 'pos']);
    expect(text).toBe(
      [
        'gold \\ pred  neg  neu  pos  total',
        'neg            2    1    0      3',
        'neu            0    1    1      2',
        'pos            0    0    1      1',
      ].join('\n'),
    );
    expect(() => formatConfusionMatrix([[1]], ['a', 'b'])).toThrow();
  });
});

describe('against scikit-learn 1.9.1 (fixtures/scipy-sklearn-reference.json)', () => {
  const fx = JSON.parse(readFileSync(new URL('./fixtures/scipy-sklearn-reference.json', import.meta.url), 'utf8')) as {
    classification: {
      numClasses: number;
      gold: number[];
      pred: number[];
      accuracy: number;
      macroF1Present: number;
      macroF1All: number;
      precision: number[];
      recall: number[];
      f1: number[];
      confusion: number[][];
    }[];
  };
  it('accuracy, f1_score(average=macro), per-class P/R/F1, confusion_matrix on 25 random cases', () => {
    for (const c of fx.classification) {
      expect(accuracy(c.gold, c.pred)).toBeCloseTo(c.accuracy, 14);
      expect(macroF1(c.gold, c.pred, c.numClasses)).toBeCloseTo(c.macroF1Present, 14);
      expect(macroF1(c.gold, c.pred, c.numClasses, { classes: 'all' })).toBeCloseTo(c.macroF1All, 14);
      const s = perClassScores(c.gold, c.pred, c.numClasses);
      s.forEach((cls, k) => {
        expect(cls.precision).toBeCloseTo(c.precision[k] as number, 14);
        expect(cls.recall).toBeCloseTo(c.recall[k] as number, 14);
        expect(cls.f1).toBeCloseTo(c.f1[k] as number, 14);
      });
      expect(confusionMatrix(c.gold, c.pred, c.numClasses)).toEqual(c.confusion);
    }
  });
});

describe('macroF1FromConfusion', () => {
  it('equals macroF1 of the label lists the matrix counts', () => {
    const gold = [0, 0, 1, 2, 2, 2, 1, 0, 2, 1];
    const pred = [0, 1, 1, 2, 0, 2, 1, 0, 1, 1];
    expect(macroF1FromConfusion(confusionMatrix(gold, pred, 4))).toBeCloseTo(macroF1(gold, pred, 4), 12);
    expect(macroF1FromConfusion(confusionMatrix(gold, pred, 4), { classes: 'all' })).toBeCloseTo(
      macroF1(gold, pred, 4, { classes: 'all' }),
      12,
    );
  });
});
