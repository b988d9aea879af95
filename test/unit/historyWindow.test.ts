// The night's window from two readings of the cumulative counters: deltas per (queryid, user,
// database) summed per statement, and what real servers do: a reset, counters that went
// backwards, entries evicted, statements new tonight; `7d` adds up the stored windows.
import { describe, expect, it } from 'vitest';
import { computeWindow } from '../../src/history/window.js';
import type { Snapshot, StatementCounters, TargetCounters, WindowStatement } from '../../src/types.js';
import { snapshotOf } from '../support/fixtures.js';

function entry(queryid: string, calls: number, totalExecMs: number, over: Partial<StatementCounters> = {}): StatementCounters {
  return {
    queryid,
    userid: 10,
    dbid: 5,
    query: `SELECT ${queryid}`,
    calls,
    totalExecMs,
    rows: calls,
    sharedBlksHit: 0,
    sharedBlksRead: 0,
    ...over,
  };
}

function counters(readAt: string, statements: StatementCounters[], over: Partial<TargetCounters> = {}): TargetCounters {
  return {
    readAt,
    serverVersion: 15,
    statsReset: '2026-11-01T00:00:00.000Z',
    dealloc: 0,
    statements,
    hidden: { entries: 0, calls: 0 },
    indexes: [],
    tables: [],
    ...over,
  };
}

function snapshot(c: TargetCounters, windowStatements: WindowStatement[] = [], since: string | null = null): Snapshot {
  return snapshotOf(c, since, { windowStatements });
}

const DAY1 = '2026-11-20T02:00:00.000Z';
const DAY2 = '2026-11-21T02:00:00.000Z';

describe('computeWindow', () => {
  it('first run: everything since the reset, said so', () => {
    const w = computeWindow({ mode: 'last', current: counters(DAY1, [entry('1', 10, 100)]) });
    expect(w.statements.map((s) => [s.queryid, s.calls])).toEqual([['1', 10]]);
    expect(w.info.since).toBe('2026-11-01T00:00:00.000Z');
    expect(w.info.notes[0]).toMatch(/first run/);
  });

  it('the delta since the previous snapshot, summed over users; idle statements left out', () => {
    const prev = snapshot(counters(DAY1, [entry('1', 10, 100), entry('1', 5, 50, { userid: 11 }), entry('2', 7, 7)]));
    const w = computeWindow({
      mode: 'last',
      previous: prev,
      current: counters(DAY2, [entry('1', 30, 160), entry('1', 9, 90, { userid: 11 }), entry('2', 7, 7)]),
    });
    expect(w.statements).toEqual([expect.objectContaining({ queryid: '1', calls: 24, totalExecMs: 100 })]);
    expect(w.info).toMatchObject({ since: DAY1, until: DAY2, calls: 24, statements: 1, statsReset: false, wentBackwards: 0 });
  });

  it('a stats reset since the previous run: the counters as they are, from the reset', () => {
    const prev = snapshot(counters(DAY1, [entry('1', 1000, 1000)]));
    const w = computeWindow({
      mode: 'last',
      previous: prev,
      current: counters(DAY2, [entry('1', 12, 24)], { statsReset: '2026-11-20T12:00:00.000Z' }),
    });
    expect(w.statements[0]).toMatchObject({ calls: 12, totalExecMs: 24 });
    expect(w.info).toMatchObject({ statsReset: true, since: '2026-11-20T12:00:00.000Z', evicted: 0 });
    expect(w.info.notes.join(' ')).toMatch(/reset at 2026-11-20T12:00/);
  });

  it('an entry whose counters went backwards counts from zero; one that is gone is evicted; one not seen before is new', () => {
    const prev = snapshot(counters(DAY1, [entry('1', 100, 100), entry('2', 50, 50)], { dealloc: 3 }));
    const w = computeWindow({
      mode: 'last',
      previous: prev,
      current: counters(DAY2, [entry('1', 4, 8), entry('3', 6, 6)], { dealloc: 9 }),
    });
    expect(w.statements.map((s) => [s.queryid, s.calls]).sort()).toEqual([
      ['1', 4],
      ['3', 6],
    ]);
    expect(w.info).toMatchObject({ wentBackwards: 1, evicted: 1, newEntries: 1 });
    expect(w.info.notes.join(' ')).toMatch(/evicted entries 6 times/);
  });

  it('all: the cumulative counters, whatever the previous run', () => {
    const prev = snapshot(counters(DAY1, [entry('1', 10, 10)]));
    const w = computeWindow({ mode: 'all', previous: prev, current: counters(DAY2, [entry('1', 30, 30)]) });
    expect(w.statements[0]!.calls).toBe(30);
    expect(w.tonight[0]!.calls).toBe(20);
  });

  it('7d: tonight plus the stored windows of the last seven days, not older ones', () => {
    const old = snapshot(counters('2026-11-10T02:00:00.000Z', []), [{ ...win('1', 1000) }], '2026-11-09T02:00:00.000Z');
    const recent = snapshot(counters(DAY1, [entry('1', 100, 100)]), [win('1', 40)], '2026-11-19T02:00:00.000Z');
    const w = computeWindow({ mode: '7d', previous: recent, past: [old, recent], current: counters(DAY2, [entry('1', 130, 130)]) });
    expect(w.statements[0]!.calls).toBe(30 + 40);
    expect(w.info.since).toBe('2026-11-19T02:00:00.000Z');
  });
});

function win(queryid: string, calls: number): WindowStatement {
  return { queryid, query: `SELECT ${queryid}`, calls, totalExecMs: calls, rows: calls, sharedBlksHit: 0, sharedBlksRead: 0 };
}
