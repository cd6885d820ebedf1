/** The shape of a benchmark suite: one file per suite under `src/suites/`. */

/** One measured row: a contender and its figure. */
export interface Row {
  /** What was measured, e.g. "hello, keep-alive, 50 connections". */
  case: string;
  /** Who was measured, e.g. "httpstack", "node:http", "sirv". */
  contender: string;
  /** The median of the rounds. */
  value: number;
  /** Unit of `value`, e.g. "req/s", "MB/s", "KiB/conn". */
  unit: string;
  /** Every round's figure, in run order. */
  rounds?: number[];
}

/** A ratio worth printing: `subject` / `baseline` for a case, with the target if any. */
export interface Ratio {
  case: string;
  subject: string;
  baseline: string;
  /** The figure this ratio must reach (higher is better unless `lowerIsBetter`). */
  target?: number;
  lowerIsBetter?: boolean;
}

export interface Suite {
  name: string;
  /** Runs the suite; `quick` asks for fewer/shorter rounds. */
  run(options: { quick: boolean }): Promise<{ rows: Row[]; ratios: Ratio[]; notes?: string[] }>;
}
