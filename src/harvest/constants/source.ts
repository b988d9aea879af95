// Where the constants that pg_stat_statements normalized away can be found again. Every source has
// the same small shape: given the harvested statements and a read-only session on the target, it
// returns constants it saw per statement (pg_qualstats: by queryid) and/or full statement texts
// with constants (a server log, pg_stat_activity), which are matched to the statements here by
// fingerprint. Adding a source is one module and one line in `constantSources()` (../constants.ts).
import type pg from 'pg';
import type { ObservedConstant, WorkloadStatement } from '../../types.js';

/** A statement text as the server saw it, with its constants (and, for the extended protocol, the bind parameters). */
export interface TextSample {
  query: string;
  /** Values of the text's own `$n` (1-based), as a log's `DETAIL: parameters: $1 = '…'` gives them (SQL literals). */
  params?: Array<string | undefined>;
  /** Executions this sample stands for. */
  count: number;
  source: string;
}

export interface SourceContext {
  /** A read-only session on the target database. */
  client: pg.Client;
  /** The harvested statements (ids are pg_stat_statements queryids). */
  statements: WorkloadStatement[];
}

export interface SourceOutput {
  /** Constants by statement id. */
  constants?: Array<{ statementId: string; constant: ObservedConstant }>;
  /** Full texts, to be matched to the statements by fingerprint. */
  samples?: TextSample[];
  /** What the source could not do, for the report (not installed, unreadable file...). */
  warnings?: string[];
  /** One line for the report: what it read. */
  summary?: string;
}

export interface ConstantSource {
  name: string;
  collect(ctx: SourceContext): Promise<SourceOutput>;
}
