/** Options every `mtl` command receives (set on the root command). */
export interface GlobalOptions {
  verbose?: boolean;
  quiet?: boolean;
  /** The command line as given (after `mtl`), e.g. recorded in a training run's log. */
  argv?: string[];
}
