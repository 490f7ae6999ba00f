// Types for the two `natural` submodules the baselines import directly. Importing the `natural`
// package root would load every module (database drivers, dotenv logging, ~1 s); these deep
// imports load only the sentiment analyzer (with its lexicons) and the Porter stemmer.

declare module 'natural/lib/natural/sentiment/SentimentAnalyzer.js' {
  /** natural's lexicon sentiment analyzer (`new SentimentAnalyzer('English', PorterStemmer, 'afinn')`). */
  export default class SentimentAnalyzer {
    constructor(language: string, stemmer: { stem(token: string): string } | null | undefined, type: string);
    /** Sum of (negation-flipped) lexicon values of the words divided by the number of words. */
    getSentiment(words: string[]): number;
  }
}

declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  /** natural's Porter stemmer (not NLTK-compatible; see src/metrics/porter.ts). */
  const PorterStemmer: { stem(token: string): string };
  export default PorterStemmer;
}
