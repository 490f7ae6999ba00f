/**
 * Porter stemmer, behaving like NLTK's `nltk.stem.porter.PorterStemmer()` in its default
 * `NLTK_EXTENSIONS` mode — the stemmer Google's `rouge-score` package uses when `use_stemmer=True`.
 *
 * Why not `natural`'s PorterStemmer: it implements the published 1980 algorithm with a few
 * differences of its own and none of NLTK's extensions, so it disagrees with NLTK on ordinary
 * words (natural → NLTK: dying → dy / die, lying → ly / lie, skies → ski / sky, news → new / news,
 * dies → di / die, died → di / die, enjoy → enjoi / enjoy). ROUGE with stemming would then not
 * reproduce published numbers, hence this implementation.
 *
 * The NLTK extensions over Porter (1980), all implemented here:
 * - a table of irregular forms bypassing the algorithm (sky/skies → sky, dying → die, lying → lie,
 *   tying → tie, news → news, innings/inning → inning, outings/outing → outing,
 *   cannings/canning → canning, howe → howe, proceed/exceed/succeed unchanged);
 * - words of length ≤ 2 are returned unchanged;
 * - step 1a: a 4-letter word in `-ies` becomes `-ie` (dies → die, ties → tie);
 * - step 1b: `-ied` → `-ie` for 4-letter words, else `-i` (died → die, denied → deni);
 * - condition *o also holds for a 2-letter vowel–consonant stem;
 * - step 1c: y → i only after a consonant that is not the first letter (happy → happi, enjoy →
 *   enjoy, sky handled by the table);
 * - step 2: `-alli` → `-al` is tried first and re-runs step 2; `-bli` → `-ble` (not `-abli`);
 *   extra rules `-fulli` → `-ful` and `-logi` → `-log` (measure taken with the `l` in the stem).
 *
 * Like NLTK, the input is lower-cased first. Only plain lower-case letters are meaningful to the
 * algorithm: any other character counts as a consonant (also as NLTK does). Lengths are UTF-16
 * code units, which equals NLTK's code-point lengths for everything outside the astral planes.
 */

const IRREGULAR_FORMS: Readonly<Record<string, readonly string[]>> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
};

const POOL: ReadonlyMap<string, string> = new Map(
  Object.entries(IRREGULAR_FORMS).flatMap(([stem, forms]) => forms.map((f) => [f, stem] as const)),
);

function isVowelLetter(ch: string | undefined): boolean {
  return ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u';
}

/**
 * Porter's consonant test: a letter other than a/e/i/o/u, and other than a `y` preceded by a
 * consonant (so `y` is a consonant at the start of a word or after a vowel). The recursion only
 * continues through runs of `y`.
 */
function isConsonant(word: string, i: number): boolean {
  const ch = word[i];
  if (isVowelLetter(ch)) return false;
  if (ch !== 'y' || i === 0) return true;
  return !isConsonant(word, i - 1);
}

/** Porter's measure m: the number of vowel→consonant transitions, i.e. m in [C](VC)^m[V]. */
function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const cons = isConsonant(stem, i);
    if (cons && prevVowel) m++;
    prevVowel = !cons;
  }
  return m;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** Condition *d: ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Condition *o: ends consonant–vowel–consonant with the last not w/x/y; NLTK adds 2-letter VC. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const last = word[n - 1];
    if (isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1) && last !== 'w' && last !== 'x' && last !== 'y') {
      return true;
    }
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

/** A suffix rule: `suffix` → `replacement` when `condition(stem)` holds (stem = word − suffix). */
type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

/**
 * Applies the first rule whose suffix matches. Once a suffix matches, no later rule is tried, even
 * if the condition fails (Porter's "longest matching suffix decides" convention, as NLTK does it).
 */
function applyRules(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const positiveMeasure = (stem: string): boolean => measure(stem) > 0;
const measureAbove1 = (stem: string): boolean => measure(stem) > 1;

function step1a(word: string): string {
  if (word.endsWith('ies') && word.length === 4) return word.slice(0, -3) + 'ie';
  return applyRules(word, [
    ['sses', 'ss', null],
    ['ies', 'i', null],
    ['ss', 'ss', null],
    ['s', '', null],
  ]);
}

function step1b(word: string): string {
  if (word.endsWith('ied')) return word.slice(0, -3) + (word.length === 4 ? 'ie' : 'i');

  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + 'ee' : word;
  }

  let stem: string | null = null;
  if (word.endsWith('ed') && containsVowel(word.slice(0, -2))) stem = word.slice(0, -2);
  else if (word.endsWith('ing') && containsVowel(word.slice(0, -3))) stem = word.slice(0, -3);
  if (stem === null) return word;

  if (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz')) return stem + 'e';
  if (endsDoubleConsonant(stem)) {
    const last = stem[stem.length - 1];
    // (*d and not (*L or *S or *Z)) → single letter; for l/s/z nothing further is tried.
    return last === 'l' || last === 's' || last === 'z' ? stem : stem.slice(0, -1);
  }
  // (m=1 and *o) → E
  return measure(stem) === 1 && endsCvc(stem) ? stem + 'e' : stem;
}

function step1c(word: string): string {
  return applyRules(word, [['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

function step2(word: string): string {
  if (word.endsWith('alli') && positiveMeasure(word.slice(0, -4))) {
    return step2(word.slice(0, -4) + 'al');
  }
  return applyRules(word, [
    ['ational', 'ate', positiveMeasure],
    ['tional', 'tion', positiveMeasure],
    ['enci', 'ence', positiveMeasure],
    ['anci', 'ance', positiveMeasure],
    ['izer', 'ize', positiveMeasure],
    ['bli', 'ble', positiveMeasure],
    ['alli', 'al', positiveMeasure],
    ['entli', 'ent', positiveMeasure],
    ['eli', 'e', positiveMeasure],
    ['ousli', 'ous', positiveMeasure],
    ['ization', 'ize', positiveMeasure],
    ['ation', 'ate', positiveMeasure],
    ['ator', 'ate', positiveMeasure],
    ['alism', 'al', positiveMeasure],
    ['iveness', 'ive', positiveMeasure],
    ['fulness', 'ful', positiveMeasure],
    ['ousness', 'ous', positiveMeasure],
    ['aliti', 'al', positiveMeasure],
    ['iviti', 'ive', positiveMeasure],
    ['biliti', 'ble', positiveMeasure],
    ['fulli', 'ful', positiveMeasure],
    // The 'l' of 'logi' stays with the stem for the measure, so geo-/theo- stems qualify.
    ['logi', 'log', () => positiveMeasure(word.slice(0, -3))],
  ]);
}

function step3(word: string): string {
  return applyRules(word, [
    ['icate', 'ic', positiveMeasure],
    ['ative', '', positiveMeasure],
    ['alize', 'al', positiveMeasure],
    ['iciti', 'ic', positiveMeasure],
    ['ical', 'ic', positiveMeasure],
    ['ful', '', positiveMeasure],
    ['ness', '', positiveMeasure],
  ]);
}

function step4(word: string): string {
  return applyRules(word, [
    ['al', '', measureAbove1],
    ['ance', '', measureAbove1],
    ['ence', '', measureAbove1],
    ['er', '', measureAbove1],
    ['ic', '', measureAbove1],
    ['able', '', measureAbove1],
    ['ible', '', measureAbove1],
    ['ant', '', measureAbove1],
    ['ement', '', measureAbove1],
    ['ment', '', measureAbove1],
    ['ent', '', measureAbove1],
    ['ion', '', (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
    ['ou', '', measureAbove1],
    ['ism', '', measureAbove1],
    ['ate', '', measureAbove1],
    ['iti', '', measureAbove1],
    ['ous', '', measureAbove1],
    ['ive', '', measureAbove1],
    ['ize', '', measureAbove1],
  ]);
}

function step5a(word: string): string {
  // Both rules share the suffix 'e', so both conditions are tried (unlike applyRules).
  if (!word.endsWith('e')) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  if (m > 1) return stem;
  if (m === 1 && !endsCvc(stem)) return stem;
  return word;
}

function step5b(word: string): string {
  // (m > 1 and *d and *L) → single letter; the measure is taken on the word minus one 'l'.
  return word.endsWith('ll') && measure(word.slice(0, -1)) > 1 ? word.slice(0, -1) : word;
}

/**
 * Stems one word exactly like NLTK's `PorterStemmer().stem(word)` (default NLTK_EXTENSIONS mode,
 * `to_lowercase=True`). Checked against NLTK 3.10.3 on ~270k words (every word found in the
 * text files under node_modules, plus random strings); a 2,848-word sample with NLTK's outputs
 * is in test/metrics/fixtures/porter-nltk.tsv.
 *
 * @example porterStem('generously') // 'gener'
 * @example porterStem('dying') // 'die'
 */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  // Current NLTK (verified against 3.10.3) looks the lower-cased word up in the irregular table;
  // releases before `to_lowercase` was added looked up the word as given. Same for lower-case input.
  const irregular = POOL.get(lower);
  if (irregular !== undefined) return irregular;
  // NLTK tests the length of the word as given (before lower-casing).
  if (word.length <= 2) return lower;

  let stem = step1a(lower);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

/** Object form of {@link porterStem}, for APIs that expect a `{ stem(word) }` stemmer. */
export const PorterStemmerNltk: { stem(word: string): string } = { stem: porterStem };
