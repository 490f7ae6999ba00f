import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/data/sentences.js';
import { packageRoot } from '../../src/utils/paths.js';

describe('splitSentences', () => {
  const cases: [string, string[]][] = [
    // BBC no-space joins
    [
      'Acme said sales rose 4% to $2.7bn from $2.6bn.For the full-year, it made a profit.',
      ['Acme said sales rose 4% to $2.7bn from $2.6bn.', 'For the full-year, it made a profit.'],
    ],
    ['It ended.Then? It went on!Finally.', ['It ended.', 'Then?', 'It went on!', 'Finally.']],
    // things that are not sentence ends
    ['The U.S. economy grew 3.5% last year. Growth slowed.', ['The U.S. economy grew 3.5% last year.', 'Growth slowed.']],
    ['Fruit, e.g. apples, i.e. not pears. Next.', ['Fruit, e.g. apples, i.e. not pears.', 'Next.']],
    ['Mr. Smith met Dr. Jones at St. Mary. They talked.', ['Mr. Smith met Dr. Jones at St. Mary.', 'They talked.']],
    ['Visit bbc.co.uk or Amazon.com today. Done.', ['Visit bbc.co.uk or Amazon.com today.', 'Done.']],
    ['John F. Kennedy spoke at 5 p.m. on Monday. It rained.', ['John F. Kennedy spoke at 5 p.m. on Monday.', 'It rained.']],
    ['Apples, pears etc. are fruit. The No. 1 seed won.', ['Apples, pears etc. are fruit.', 'The No. 1 seed won.']],
    ['He moved to the U.S. He then left.', ['He moved to the U.S.', 'He then left.']],
    [
      'New sites in the U.K. and Ireland.The firm grew in the U.S. and Asia.',
      ['New sites in the U.K. and Ireland.', 'The firm grew in the U.S. and Asia.'],
    ],
    ['Wait... what happened? Nobody knew.', ['Wait... what happened?', 'Nobody knew.']],
    // quotes
    ['"Why me?" he asked. She laughed.', ['"Why me?" he asked.', 'She laughed.']],
    ['He said: "We are happy." The deal closed.', ['He said: "We are happy."', 'The deal closed.']],
    [
      'Sales fell at the shop."We knew all along it would recover," Jones said.',
      ['Sales fell at the shop.', '"We knew all along it would recover," Jones said.'],
    ],
    ['"It is over," he said."We lost."Then silence.', ['"It is over," he said.', '"We lost."', 'Then silence.']],
    // line breaks always end a sentence
    [
      'A title without a stop\n\nFirst paragraph. Second sentence.\nAnother line',
      ['A title without a stop', 'First paragraph.', 'Second sentence.', 'Another line'],
    ],
    ['', []],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text.slice(0, 60)), () => expect(splitSentences(text)).toEqual(expected));
  }

  it('importing the splitter prints nothing (only the natural submodule is loaded)', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '-e', "const m = await import('./src/data/sentences.ts'); m.splitSentences('A. B.');"],
      { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toBe('');
  });
});
