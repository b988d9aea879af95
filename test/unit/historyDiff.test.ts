// What changed since the previous run, from two snapshots: recommendations new, still open,
// withdrawn and applied (with its statements' mean time before and after, and a warning when one
// got slower), findings new, open and resolved, statements that got slower.
import { describe, expect, it } from 'vitest';
import { diffRuns, findIndex, findingKey } from '../../src/history/diff.js';
import type { AuditFinding, IndexUsage, Recommendation, RememberedRecommendation, Snapshot, WindowStatement } from '../../src/types.js';
import { candidate, snapshotOf } from '../support/fixtures.js';

const DAY1 = '2026-11-20T02:00:00.000Z';
const DAY2 = '2026-11-21T02:00:00.000Z';

function rec(table: string, column: string, statementIds: string[]): Recommendation {
  const c = candidate(table, [column], { statementIds });
  return {
    candidate: c,
    name: `${table}_${column}_idx`,
    definition: `CREATE INDEX ${table}_${column}_idx ON public.${table} (${column})`,
    estimatedBytes: 8192,
    benefit: 10,
    writeCost: 1,
    benefitShare: 0.2,
    verified: true,
    verifiedBy: 'hypopg',
    verification: 'hypopg',
    statements: statementIds.map((statementId) => ({ statementId, costBefore: 100, costAfter: 1, weight: 1 })),
  };
}

function remembered(r: Recommendation, firstSeen = DAY1, runs = 1): RememberedRecommendation {
  return {
    key: r.candidate.key,
    name: r.name,
    schema: 'public',
    table: r.candidate.table,
    definition: r.definition,
    statementIds: r.statements.map((s) => s.statementId),
    benefitShare: r.benefitShare,
    firstSeen,
    runs,
  };
}

const win = (queryid: string, calls: number, totalExecMs: number): WindowStatement => ({
  queryid,
  query: `SELECT ${queryid}`,
  calls,
  totalExecMs,
  rows: calls,
  sharedBlksHit: 0,
  sharedBlksRead: 0,
});

const index = (table: string, name: string, definition: string): IndexUsage => ({
  schema: 'public',
  table,
  name,
  definition,
  valid: true,
  scans: 0,
  bytes: 8192,
});

function finding(kind: AuditFinding['kind'], table: string, idx: string): AuditFinding {
  return { kind, schema: 'public', table, index: idx, action: 'drop', summary: `${kind} ${idx}`, evidence: {}, upSql: [], downSql: [] };
}

function previous(over: Partial<Snapshot>): Snapshot {
  const counters = {
    readAt: DAY1,
    serverVersion: 15,
    statsReset: null,
    dealloc: null,
    statements: [],
    hidden: { entries: 0, calls: 0 },
    indexes: [],
    tables: [],
  };
  return snapshotOf(counters, null, over);
}

describe('diffRuns', () => {
  const orders = rec('orders', 'customer_id', ['1', '2']);
  const items = rec('items', 'sku', ['3']);
  const users = rec('users', 'email', ['4']);

  it('first run: everything is new, nothing else', () => {
    const out = diffRuns({ takenAt: DAY1, recommendations: [orders], findings: [], indexes: [], tonight: [] });
    expect(out.diff.previousRun).toBeNull();
    expect(out.diff.recommendations.new.map((r) => r.name)).toEqual(['orders_customer_id_idx']);
    expect(out.recommendations[0]).toMatchObject({ firstSeen: DAY1, runs: 1 });
  });

  it('applied (its index is in the catalog now) with its statements before and after; still open; withdrawn; new', () => {
    const prev = previous({
      recommendations: [remembered(orders), remembered(items, '2026-11-18T02:00:00.000Z', 3), remembered(users)],
      windowStatements: [win('1', 100, 4100), win('2', 100, 4100), win('3', 10, 10)],
    });
    const fresh = rec('payments', 'order_id', ['5']);
    const out = diffRuns({
      previous: prev,
      takenAt: DAY2,
      recommendations: [items, fresh],
      findings: [],
      indexes: [
        index('orders', 'orders_customer_id_idx', 'CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id)'),
      ],
      tonight: [win('1', 50, 15), win('2', 150, 45)],
    });
    const r = out.diff.recommendations;
    expect(r.applied).toHaveLength(1);
    expect(r.applied[0]).toMatchObject({ index: 'orders_customer_id_idx', foundOn: DAY2, meanMsBefore: 41, meanMsAfter: 0.3 });
    expect(r.applied[0]!.statements.map((s) => [s.queryid, s.meanMsBefore, s.meanMsAfter, s.slower])).toEqual([
      ['1', 41, 0.3, false],
      ['2', 41, 0.3, false],
    ]);
    expect(r.open.map((x) => [x.name, x.runs, x.firstSeen])).toEqual([['items_sku_idx', 4, '2026-11-18T02:00:00.000Z']]);
    expect(r.withdrawn.map((x) => x.name)).toEqual(['users_email_idx']);
    expect(r.new.map((x) => x.name)).toEqual(['payments_order_id_idx']);
  });

  it('an applied index whose statement got slower is flagged', () => {
    const prev = previous({ recommendations: [remembered(orders)], windowStatements: [win('1', 100, 100), win('2', 100, 100)] });
    const out = diffRuns({
      previous: prev,
      takenAt: DAY2,
      recommendations: [],
      findings: [],
      indexes: [
        index('orders', 'orders_customer_id_idx', 'CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id)'),
      ],
      tonight: [win('1', 100, 10), win('2', 100, 300)],
    });
    expect(out.diff.recommendations.applied[0]!.statements.map((s) => s.slower)).toEqual([false, true]);
  });

  it('an index under another name is found by its definition; one that was there already is not "applied"', () => {
    const other = [index('orders', 'by_customer', 'CREATE INDEX by_customer ON public.orders USING btree (customer_id)')];
    expect(findIndex(remembered(orders), other)?.name).toBe('by_customer');
    expect(
      findIndex(remembered(orders), [index('orders', 'x', 'CREATE INDEX x ON public.orders USING btree (customer_id, id)')]),
    ).toBeUndefined();
    const prev = previous({ recommendations: [remembered(orders)], counters: { ...previous({}).counters, indexes: other } });
    const out = diffRuns({ previous: prev, takenAt: DAY2, recommendations: [], findings: [], indexes: other, tonight: [] });
    expect(out.diff.recommendations.applied).toEqual([]);
    expect(out.diff.recommendations.withdrawn).toHaveLength(1);
  });

  it('findings new, still open, resolved, by kind, table and index', () => {
    const a = finding('unused', 'orders', 'orders_old_idx');
    const b = finding('duplicate', 'items', 'items_dup_idx');
    const c = finding('bloated', 'users', 'users_pkey');
    const prev = previous({
      findings: [a, b].map((f) => ({ key: findingKey(f), kind: f.kind, summary: f.summary, firstSeen: DAY1, runs: 2 })),
    });
    const out = diffRuns({ previous: prev, takenAt: DAY2, recommendations: [], findings: [a, c], indexes: [], tonight: [] });
    expect(out.diff.findings.new.map((f) => f.summary)).toEqual(['bloated users_pkey']);
    expect(out.diff.findings.open.map((f) => [f.summary, f.runs])).toEqual([['unused orders_old_idx', 3]]);
    expect(out.diff.findings.resolved.map((f) => f.summary)).toEqual(['duplicate items_dup_idx']);
  });

  it('regressions: mean time grown past the threshold, with enough calls on both sides', () => {
    const prev = previous({ windowStatements: [win('1', 100, 100), win('2', 100, 100), win('3', 5, 5), win('4', 100, 100)] });
    const out = diffRuns({
      previous: prev,
      takenAt: DAY2,
      recommendations: [],
      findings: [],
      indexes: [],
      tonight: [win('1', 100, 400), win('2', 100, 140), win('3', 100, 1000), win('5', 100, 1000)],
    });
    expect(out.diff.regressions.map((g) => [g.queryid, g.meanMsBefore, g.meanMsAfter])).toEqual([['1', 1, 4]]);
  });

  it('a regression says when the plan changed its index use', () => {
    const prev = previous({
      windowStatements: [win('1', 100, 100), win('2', 100, 100)],
      plans: { '1': ['orders_pkey'], '2': ['items_pkey'] },
    });
    const out = diffRuns({
      previous: prev,
      takenAt: DAY2,
      recommendations: [],
      findings: [],
      indexes: [],
      tonight: [win('1', 100, 400), win('2', 100, 400)],
      plans: { '1': [], '2': ['items_pkey'] },
    });
    expect(out.diff.regressions.map((g) => [g.queryid, g.planChanged])).toEqual([
      ['1', { indexesBefore: ['orders_pkey'], indexesAfter: [] }],
      ['2', undefined],
    ]);
  });
});

describe('diffRuns on a quiet night', () => {
  it('a run that analysed nothing withdraws nothing: the previous recommendations stay open as they were', () => {
    const orders = rec('orders', 'customer_id', ['1']);
    const prev = previous({ recommendations: [remembered(orders, DAY1, 2)] });
    const out = diffRuns({ previous: prev, takenAt: DAY2, recommendations: [], findings: [], indexes: [], tonight: [], analysed: false });
    expect(out.diff.recommendations.withdrawn).toEqual([]);
    expect(out.diff.recommendations.new).toEqual([]);
    expect(out.diff.recommendations.open.map((r) => [r.name, r.runs])).toEqual([['orders_customer_id_idx', 2]]);
    expect(out.recommendations.map((r) => r.name)).toEqual(['orders_customer_id_idx']);
  });
});
