// The advice's window: what the statements did since the previous snapshot (the night), over the
// last seven days of windows, or since the statistics were reset. Pure: two readings of the
// cumulative counters in, deltas out, with what real servers do along the way (a reset, counters
// that went backwards, entries evicted at pg_stat_statements.max, statements new tonight).
import type { Snapshot, StatementCounters, TargetCounters, WindowInfo, WindowMode, WindowStatement } from '../types.js';

const DAY_MS = 86_400_000;

export interface WindowInput {
  mode: WindowMode;
  current: TargetCounters;
  /** The latest snapshot of the target, if any. */
  previous?: Snapshot;
  /** Earlier snapshots (any order), for `7d`: their stored windows are added up. */
  past?: Snapshot[];
  /**
   * Which texts are the application's workload (harvest's skip rules): the window's totals count
   * only those, not the advisor's own statements of the previous run or utility statements.
   */
  isWorkload?: (query: string) => boolean;
}

export interface Window {
  info: WindowInfo;
  /** Since the previous snapshot (or the reset): what this run's snapshot stores. */
  tonight: WindowStatement[];
  /** What the advice weighs, by the mode. */
  statements: WindowStatement[];
}

const keyOf = (s: StatementCounters) => `${s.queryid}/${s.userid}/${s.dbid}`;

export function computeWindow(input: WindowInput): Window {
  const { current, previous } = input;
  const notes: string[] = [];
  const reset = previous !== undefined && current.statsReset !== null && current.statsReset !== previous.counters.statsReset;
  const before = new Map((previous && !reset ? previous.counters.statements : []).map((s) => [keyOf(s), s]));
  let wentBackwards = 0;
  let newEntries = 0;
  const deltas: StatementCounters[] = [];
  for (const s of current.statements) {
    const p = before.get(keyOf(s));
    if (!p) {
      if (previous && !reset) newEntries++;
      deltas.push(s);
    } else if (s.calls < p.calls || s.totalExecMs < p.totalExecMs) {
      // Reset on its own (pg_stat_statements_reset(userid, dbid, queryid)) or evicted and back: counts from zero.
      wentBackwards++;
      deltas.push(s);
    } else {
      deltas.push({
        ...s,
        calls: s.calls - p.calls,
        totalExecMs: s.totalExecMs - p.totalExecMs,
        rows: Math.max(0, s.rows - p.rows),
        sharedBlksHit: Math.max(0, s.sharedBlksHit - p.sharedBlksHit),
        sharedBlksRead: Math.max(0, s.sharedBlksRead - p.sharedBlksRead),
      });
    }
  }
  const now = new Set(current.statements.map(keyOf));
  const evicted = previous && !reset ? previous.counters.statements.filter((s) => !now.has(keyOf(s))).length : 0;

  let since: string | null;
  if (!previous) {
    since = current.statsReset;
    notes.push(
      `first run with this history: the window is everything since the statistics were reset (${current.statsReset ?? 'unknown'})`,
    );
  } else if (reset) {
    since = current.statsReset;
    notes.push(
      `the statistics were reset at ${current.statsReset} (after the previous run of ${previous.takenAt}): ` +
        'the window starts at the reset, and what ran between the previous run and the reset is not counted',
    );
  } else {
    since = previous.counters.readAt;
  }
  if (wentBackwards)
    notes.push(
      `${wentBackwards} entr${wentBackwards === 1 ? 'y' : 'ies'} went backwards (reset one by one, or evicted and back): counted from zero`,
    );
  if (evicted) {
    notes.push(
      `${evicted} entr${evicted === 1 ? 'y' : 'ies'} of the previous run ${evicted === 1 ? 'is' : 'are'} gone (evicted at pg_stat_statements.max, or reset): ` +
        'what they ran tonight before leaving is not counted',
    );
  }
  const deallocs =
    previous && !reset && current.dealloc !== null && previous.counters.dealloc !== null ? current.dealloc - previous.counters.dealloc : 0;
  if (deallocs > 0)
    notes.push(`pg_stat_statements evicted entries ${deallocs} times since the previous run: consider raising pg_stat_statements.max`);
  if (previous && current.serverVersion !== previous.counters.serverVersion) {
    notes.push(`the server's major version changed (${previous.counters.serverVersion} → ${current.serverVersion}): queryids may differ`);
  }

  const tonight = byQueryid(deltas);
  let statements = tonight;
  const mode = input.mode;
  // With no previous run, the night is everything the counters hold.
  if (mode === 'all' || !previous) {
    statements = byQueryid(current.statements);
  } else if (mode === '7d') {
    const from = Date.parse(current.readAt) - 7 * DAY_MS;
    const within = (input.past ?? []).filter((s) => Date.parse(s.takenAt) > from && s.takenAt !== current.readAt);
    statements = sumWindows([tonight, ...within.map((s) => s.windowStatements)]);
    const earliest = within
      .map((s) => s.window.since)
      .filter((x): x is string => x !== null)
      .sort()[0];
    if (earliest && (since === null || earliest < since)) since = earliest;
  }
  if (input.mode === 'all') since = current.statsReset;
  const active = statements.filter((s) => s.calls > 0);
  const counted = input.isWorkload ? active.filter((s) => input.isWorkload!(s.query)) : active;
  return {
    info: {
      mode,
      since,
      until: current.readAt,
      calls: counted.reduce((n, s) => n + s.calls, 0),
      totalExecMs: counted.reduce((n, s) => n + s.totalExecMs, 0),
      statements: counted.length,
      statsReset: reset,
      wentBackwards,
      evicted,
      newEntries,
      notes,
    },
    tonight: tonight.filter((s) => s.calls > 0),
    statements: active,
  };
}

/** Summed over users (the advice weighs a statement, whoever ran it). */
function byQueryid(entries: StatementCounters[]): WindowStatement[] {
  return sumWindows([
    entries.map((s) => ({
      queryid: s.queryid,
      query: s.query,
      calls: s.calls,
      totalExecMs: s.totalExecMs,
      rows: s.rows,
      sharedBlksHit: s.sharedBlksHit,
      sharedBlksRead: s.sharedBlksRead,
    })),
  ]);
}

function sumWindows(windows: WindowStatement[][]): WindowStatement[] {
  const out = new Map<string, WindowStatement>();
  for (const w of windows) {
    for (const s of w) {
      const o = out.get(s.queryid);
      if (!o) out.set(s.queryid, { ...s });
      else {
        o.calls += s.calls;
        o.totalExecMs += s.totalExecMs;
        o.rows += s.rows;
        o.sharedBlksHit += s.sharedBlksHit;
        o.sharedBlksRead += s.sharedBlksRead;
      }
    }
  }
  return [...out.values()];
}

/** Mean time per call in a window, or null without calls. */
export function meanMs(s: Pick<WindowStatement, 'calls' | 'totalExecMs'> | undefined): number | null {
  return s && s.calls > 0 ? s.totalExecMs / s.calls : null;
}
