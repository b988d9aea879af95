// The one thing selection needs from a database: what the planner says a statement costs with a
// set of hypothetical indexes. verify/'s WhatIfEvaluator answers it with hypopg; the unit tests
// answer it with a deterministic model.
import type { CostOutcome, IndexCandidate, ParsedStatement } from '../types.js';

export interface Costing {
  /** How many evaluations are worth running at once (connections). */
  readonly connections: number;
  /** Estimated size in bytes of each candidate (by key), once `estimateSizes` has seen it. */
  readonly sizes: ReadonlyMap<string, number>;
  /** Candidates that cannot be simulated at all (a function that is not IMMUTABLE...), with why. */
  readonly rejected: ReadonlyMap<string, string>;
  /** Existing indexes can be hidden from the planner (`hidden`; hypopg 1.4+). Absent: they cannot. */
  readonly canHide?: boolean;
  estimateSizes(candidates: IndexCandidate[]): Promise<void>;
  /**
   * Each statement's cost with exactly these hypothetical indexes in place; plans name them by
   * candidate key. `remember: false` for configurations that never come back (screening).
   * `hidden`: oids of existing indexes the planner is to ignore (only where `canHide`).
   */
  costs(
    statements: ParsedStatement[],
    config: IndexCandidate[],
    opts?: { remember?: boolean; hidden?: readonly number[] },
  ): Promise<Map<string, CostOutcome>>;
}
