// The nightly report with a history (`--history`): under the store's lock for the target, read the
// target's counters, work out the night's window from the previous snapshot, advise and audit on
// that window, tell what changed since the previous run, and store this run's snapshot. A run that
// fails stores nothing: the next one's window then covers both nights.
import { DEFAULT_STATEMENT_TIMEOUT_MS } from './advise.js';
import { connect, redactUrl } from './db/connect.js';
import { readCounters } from './harvest/counters.js';
import { skipReason } from './harvest/filter.js';
import { selectStatements } from './harvest/pgStatStatements.js';
import { DIFF_DEFAULTS, diffRuns } from './history/diff.js';
import { openHistory, targetKey } from './history/store.js';
import { computeWindow } from './history/window.js';
import { type NightlyOptions, nightlyReport } from './nightly.js';
import { ensureParser } from './parse/parser.js';
import type { AdviceResult, Snapshot, StatementTimePoint, TargetCounters, WindowMode, Workload, WorkloadStatement } from './types.js';

export interface HistoryOptions {
  /** A folder, or a postgresql:// URL (src/history/store.ts). */
  history: string;
  /** Default `last`: since the previous snapshot. */
  window?: WindowMode;
  /** The name the target's history is kept under (default: host:port/database of the URL). */
  historyKey?: string;
  regressionThreshold?: number;
  /** The run's time (tests simulate nights a day apart); default: the target server's clock. */
  clock?: () => Date;
}

const DAY_MS = 86_400_000;

export async function nightlyWithHistory(opts: NightlyOptions & HistoryOptions): Promise<AdviceResult> {
  await ensureParser(); // the window's totals tell workload from the advisor's own statements by parsing them
  const store = await openHistory(opts.history);
  const key = opts.historyKey ?? targetKey(opts.url);
  try {
    const release = await store.lock(key);
    try {
      opts.progress?.stage('reading the statistics counters');
      const client = await connect(opts.url, { statementTimeoutMs: opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS });
      let read: TargetCounters & { missing?: string };
      try {
        read = await readCounters(client);
      } finally {
        await client.end().catch(() => {});
      }
      const { missing, ...rest } = read;
      const takenAt = opts.clock ? opts.clock().toISOString() : rest.readAt;
      const counters: TargetCounters = { ...rest, readAt: takenAt };
      const mode = opts.window ?? 'last';
      // One read serves the window (the last snapshot, or the last 7 days) and the report's 30-day chart.
      const month = await store.snapshots(key, new Date(Date.parse(takenAt) - 30 * DAY_MS).toISOString());
      const previous = month.at(-1) ?? (await store.latest(key));
      const weekAgo = new Date(Date.parse(takenAt) - 7 * DAY_MS).toISOString();
      const past = mode === '7d' ? month.filter((m) => m.takenAt > weekAgo) : [];
      const judged = new Map<string, boolean>();
      const isWorkload = (query: string) => {
        if (!judged.has(query)) judged.set(query, skipReason(query) === undefined);
        return judged.get(query)!;
      };
      const window = computeWindow({ mode, current: counters, ...(previous ? { previous } : {}), past, isWorkload });

      // The window is the workload, unless a workload file was given or pg_stat_statements is missing (advise says what to do).
      const workload = opts.workloadFile || missing ? undefined : windowWorkload(opts, counters, window.statements, window.info.since);
      if (opts.workloadFile) window.info.notes.push(`the advice weighs the workload file ${opts.workloadFile}, not this window`);
      else if (missing) window.info.notes.push(`${missing} is not installed in the target: the window is empty`);
      const result = await nightlyReport({ ...opts, ...(workload ? { workload } : {}) });
      // A partial run is not the night: nothing is stored, so the next window covers both nights.
      if (result.partial)
        return {
          ...result,
          warnings: [...result.warnings, "the run ended partial: no snapshot was stored, so the next run's window covers this night too"],
        };

      const plans = Object.fromEntries(result.statements.filter((s) => s.indexesUsed).map((s) => [s.statementId, s.indexesUsed!]));
      const diff = diffRuns({
        plans,
        ...(previous ? { previous } : {}),
        takenAt,
        recommendations: result.recommendations,
        findings: result.audit?.findings ?? [],
        indexes: counters.indexes,
        tonight: window.tonight.filter((s) => isWorkload(s.query)),
        analysed: result.statementsAnalyzed > 0,
        regressionThreshold: opts.regressionThreshold ?? DIFF_DEFAULTS.regressionThreshold,
      });
      const snapshot: Snapshot = {
        version: 1,
        takenAt,
        target: redactUrl(opts.url),
        counters,
        window: window.info,
        windowStatements: window.tonight,
        recommendations: diff.recommendations,
        findings: diff.findings,
        plans,
        advice: {
          statementsAnalyzed: result.statementsAnalyzed,
          workloadCostBefore: result.workloadCostBefore,
          workloadCostAfter: result.workloadCostAfter,
          warnings: result.warnings.length,
        },
      };
      await store.save(key, snapshot);
      const times = statementTimes([...month.filter((m) => m.takenAt !== takenAt), snapshot]);
      return { ...result, history: { store: store.where, snapshot: takenAt, window: window.info, diff: diff.diff, times } };
    } finally {
      await release();
    }
  } finally {
    await store.close();
  }
}

/** The window's statements as a workload, through the same filters (--min-calls, --top...) as a harvest. */
function windowWorkload(
  opts: NightlyOptions,
  counters: TargetCounters,
  statements: ReturnType<typeof computeWindow>['statements'],
  since: string | null,
): Workload {
  const all: WorkloadStatement[] = statements.map((s) => ({
    id: s.queryid,
    query: s.query,
    calls: s.calls,
    totalExecMs: s.totalExecMs,
    meanExecMs: s.calls > 0 ? s.totalExecMs / s.calls : 0,
    rows: s.rows,
    sharedBlksHit: s.sharedBlksHit,
    sharedBlksRead: s.sharedBlksRead,
    source: 'pg_stat_statements',
  }));
  const span = since ? `since ${since}` : 'since the statistics were reset';
  const workload = selectStatements(all, `pg_stat_statements on ${redactUrl(opts.url)}, ${span}`, opts);
  if (counters.hidden.entries > 0) {
    workload.warnings.push(
      `${counters.hidden.entries} statements of other roles are hidden (${Math.round(counters.hidden.calls)} calls in all time; ` +
        "pg_stat_statements shows <insufficient privilege>): grant pg_read_all_stats (or pg_monitor) to the advisor's role to include them.",
    );
  }
  if (workload.statements.length === 0) workload.warnings.push(`no statement ran in the window (${span}).`);
  return workload;
}

/** Statements drawn across runs: tonight's costliest by total time (more would only crowd the chart and the JSON). */
const TIMED_STATEMENTS = 20;

/** Each stored run's mean time of the statements that took longest in the latest run's window. */
function statementTimes(runs: Snapshot[]): StatementTimePoint[] {
  const latest = runs.at(-1);
  if (!latest) return [];
  const top = new Set(
    [...latest.windowStatements]
      .filter((w) => w.calls > 0)
      .sort((a, b) => b.totalExecMs - a.totalExecMs)
      .slice(0, TIMED_STATEMENTS)
      .map((w) => w.queryid),
  );
  return runs.flatMap((run) =>
    run.windowStatements
      .filter((w) => top.has(w.queryid) && w.calls > 0)
      .map((w) => ({ date: run.takenAt, statementId: w.queryid, meanMs: w.totalExecMs / w.calls })),
  );
}
