// Selection as a pure stage: the greedy rounds, budget, write cost, complements, pruning and
// credit, driven by a deterministic model of the planner (test/support/fakeCosting.ts).
import { describe, expect, it } from 'vitest';
import { chooseMeasured, proposeUnverified, statementsFor } from '../../src/select/realOnly.js';
import { gain, makeScoring, workloadCost } from '../../src/select/scoring.js';
import { type SelectOptions, selectIndexes } from '../../src/select/selectIndexes.js';
import type { IndexCandidate, Selection } from '../../src/types.js';
import { candidate, FakeCosting, type FakeStatement, workloadOf } from '../support/fakeCosting.js';

async function select(statements: FakeStatement[], candidates: IndexCandidate[], bytes: Record<string, number>, opts: SelectOptions = {}) {
  const costing = new FakeCosting(statements, bytes);
  const { parsed, workload, tablesOf } = workloadOf(statements);
  const tableRows = new Map([['public.t', 100_000]]);
  const selection = await selectIndexes({ workload, statements: parsed, candidates, tablesOf, tableRows }, costing, opts);
  return { selection, costing, parsed };
}

const keys = (s: Selection) => s.chosen.map((c) => c.candidate.key).sort();
const KB = 8192;

describe('selectIndexes', () => {
  const a = candidate('t', ['a']);
  const b = candidate('t', ['b']);

  it('chooses what saves the workload most, and credits each index with the statements its plans use', async () => {
    const { selection } = await select(
      [
        { id: 's1', calls: 100, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
        { id: 's2', calls: 10, columns: ['b'], base: 1000, plans: [{ needs: [b.key], cost: 10 }] },
        { id: 's3', calls: 10, columns: ['c'], base: 1000, plans: [] },
      ],
      [a, b],
      { [a.key]: KB, [b.key]: KB },
    );
    expect(keys(selection)).toEqual([a.key, b.key].sort());
    const ia = selection.chosen.find((c) => c.candidate.key === a.key)!;
    expect(ia.statements).toEqual([{ statementId: 's1', costBefore: 1000, costAfter: 10, weight: 100 }]);
    expect(ia.benefit).toBe(100 * 990);
    expect(ia.verification).toEqual({ kind: 'hypopg' });
    expect(selection.totalWeightedCost).toBe(100 * 1000 + 10 * 1000 + 10 * 1000);
    expect(workloadCost(selection.scoring, selection.final)).toBe(100 * 10 + 10 * 10 + 10 * 1000);
    expect(selection.final.get('s3')).toBe(1000);
  });

  it('counts a saving only above --min-improvement and 10 cost units a call', async () => {
    const { selection } = await select(
      [
        { id: 's1', calls: 1000, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 800 }] }, // 20 %
        { id: 's2', calls: 1000, columns: ['b'], base: 12, plans: [{ needs: [b.key], cost: 4 }] }, // 8 units a call
      ],
      [a, b],
      { [a.key]: KB, [b.key]: KB },
    );
    expect(selection.chosen).toEqual([]);
    const lower = await select(
      [{ id: 's1', calls: 1000, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 800 }] }],
      [a],
      { [a.key]: KB },
      { minImprovement: 0.1 },
    );
    expect(keys(lower.selection)).toEqual([a.key]);
  });

  it('keeps the costings that failed with an index in place, instead of counting them as no gain', async () => {
    const { selection } = await select(
      [
        { id: 's1', calls: 10, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
        {
          id: 's2',
          calls: 10,
          columns: ['b'],
          base: 1000,
          plans: [{ needs: [b.key], cost: 10 }],
          failsWith: { index: b.key, error: 'canceling statement due to statement timeout' },
        },
      ],
      [a, b],
      { [a.key]: KB, [b.key]: KB },
    );
    expect(keys(selection)).toEqual([a.key]);
    expect(selection.costFailures).toEqual([
      { statementId: 's2', indexes: expect.arrayContaining([b.key]), error: 'canceling statement due to statement timeout' },
    ]);
  });

  it('sets aside statements the server cannot plan', async () => {
    const { selection } = await select(
      [
        { id: 's1', calls: 10, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
        { id: 'bad', calls: 10, columns: ['a'], base: 1000, plans: [], error: 'function f(numeric) does not exist' },
      ],
      [a],
      { [a.key]: KB },
    );
    expect(selection.failed).toEqual([{ statementId: 'bad', reason: 'function f(numeric) does not exist' }]);
    expect([...selection.baseline.keys()]).toEqual(['s1']);
  });

  it('leaves out an index whose write cost exceeds what it saves', async () => {
    const stmts: FakeStatement[] = [{ id: 's1', calls: 10, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] }];
    const cheap = await select(stmts, [a], { [a.key]: KB }, { writeCost: () => 9000 });
    expect(keys(cheap.selection)).toEqual([a.key]);
    expect(cheap.selection.chosen[0]!.benefit).toBe(9900 - 9000);
    expect(cheap.selection.chosen[0]!.writeCost).toBe(9000);
    const dear = await select(stmts, [a], { [a.key]: KB }, { writeCost: () => 10_000 });
    expect(dear.selection.chosen).toEqual([]);
  });

  it('under a budget, keeps the set that saves more: one big index rather than the small ones that fill the room first', async () => {
    const big = candidate('t', ['a', 'b']);
    const small1 = candidate('t', ['c']);
    const small2 = candidate('t', ['d']);
    const stmts: FakeStatement[] = [
      { id: 's1', calls: 100, columns: ['a', 'b'], base: 1000, plans: [{ needs: [big.key], cost: 10 }] },
      { id: 's2', calls: 15, columns: ['c'], base: 1000, plans: [{ needs: [small1.key], cost: 10 }] },
      { id: 's3', calls: 15, columns: ['d'], base: 1000, plans: [{ needs: [small2.key], cost: 10 }] },
    ];
    const bytes = { [big.key]: 100 * KB, [small1.key]: KB, [small2.key]: KB };
    // By benefit per byte the small ones come first and leave no room for the big one.
    const { selection } = await select(stmts, [big, small1, small2], bytes, { budgetBytes: 100 * KB });
    expect(keys(selection)).toEqual([big.key]);
    // With room for all, all.
    const roomy = await select(stmts, [big, small1, small2], bytes, { budgetBytes: 102 * KB });
    expect(keys(roomy.selection)).toEqual([big.key, small1.key, small2.key].sort());
  });

  it('under a budget, packs small indexes where they save more than the big one', async () => {
    const big = candidate('t', ['a', 'b']);
    const small1 = candidate('t', ['c']);
    const small2 = candidate('t', ['d']);
    const stmts: FakeStatement[] = [
      { id: 's1', calls: 100, columns: ['a', 'b'], base: 1000, plans: [{ needs: [big.key], cost: 10 }] },
      { id: 's2', calls: 60, columns: ['c'], base: 1000, plans: [{ needs: [small1.key], cost: 10 }] },
      { id: 's3', calls: 60, columns: ['d'], base: 1000, plans: [{ needs: [small2.key], cost: 10 }] },
    ];
    const { selection } = await select(
      stmts,
      [big, small1, small2],
      { [big.key]: 100 * KB, [small1.key]: 50 * KB, [small2.key]: 50 * KB },
      { budgetBytes: 100 * KB },
    );
    expect(keys(selection)).toEqual([small1.key, small2.key].sort());
  });

  it('brings back an index that only helps once another is chosen (complements)', async () => {
    const part = candidate('parts', ['brand']);
    const ship = candidate('parts', ['part_id']);
    const { selection } = await select(
      [
        {
          id: 'join',
          calls: 10,
          table: 'parts',
          columns: ['brand', 'part_id'],
          base: 10_000,
          // brand alone: no better than the hash join; part_id alone: a nested loop; both: far better.
          plans: [
            { needs: [ship.key], cost: 5000 },
            { needs: [part.key, ship.key], cost: 100 },
          ],
        },
      ],
      [part, ship],
      { [part.key]: KB, [ship.key]: KB },
    );
    expect(keys(selection)).toEqual([part.key, ship.key].sort());
    expect(selection.final.get('join')).toBe(100);
    // Credit: the plan uses both; the saving (9,900 a call) is shared by what each one's absence
    // would cost: without part_id the join is back at 10,000 (9,900 lost), without brand at 5,000 (4,900).
    const benefit = Object.fromEntries(selection.chosen.map((c) => [c.candidate.key, c.benefit]));
    expect(benefit[ship.key]).toBeCloseTo((10 * 9900 * 9900) / 14_800, 6);
    expect(benefit[part.key]).toBeCloseTo((10 * 9900 * 4900) / 14_800, 6);
    for (const c of selection.chosen)
      expect(c.statements).toEqual([{ statementId: 'join', costBefore: 10_000, costAfter: 100, weight: 10 }]);
  });

  it('prunes the early pick once the later picks serve its statements better', async () => {
    const wide = candidate('t', ['a']);
    const x = candidate('t', ['a', 'b']);
    const y = candidate('t', ['a', 'c']);
    const { selection } = await select(
      [
        // `wide` helps both statements a little: it wins round 1; x and y each serve one far better.
        {
          id: 's1',
          calls: 10,
          columns: ['a', 'b'],
          base: 1000,
          plans: [
            { needs: [wide.key], cost: 400 },
            { needs: [x.key], cost: 10 },
          ],
        },
        {
          id: 's2',
          calls: 10,
          columns: ['a', 'c'],
          base: 1000,
          plans: [
            { needs: [wide.key], cost: 400 },
            { needs: [y.key], cost: 10 },
          ],
        },
      ],
      [wide, x, y],
      { [wide.key]: KB, [x.key]: 2 * KB, [y.key]: 2 * KB },
    );
    expect(keys(selection)).toEqual([x.key, y.key].sort());
    for (const c of selection.chosen) expect(c.statements).toHaveLength(1);
  });

  it('prefers a smaller index within 5 % of the best one', async () => {
    const wide = candidate('t', ['a'], { include: ['z'] });
    const plain = candidate('t', ['a']);
    const { selection } = await select(
      [
        {
          id: 's1',
          calls: 10,
          columns: ['a', 'z'],
          base: 1000,
          plans: [
            { needs: [wide.key], cost: 10 },
            { needs: [plain.key], cost: 12 },
          ],
        },
      ],
      [wide, plain],
      { [wide.key]: 4 * KB, [plain.key]: 2 * KB },
    );
    expect(keys(selection)).toEqual([plain.key]);
  });

  it('holds the caps: --max-indexes and --max-per-table', async () => {
    const other = candidate('u', ['a']);
    const stmts: FakeStatement[] = [
      { id: 's1', calls: 30, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
      { id: 's2', calls: 20, columns: ['b'], base: 1000, plans: [{ needs: [b.key], cost: 10 }] },
      { id: 's3', calls: 10, table: 'u', columns: ['a'], base: 1000, plans: [{ needs: [other.key], cost: 10 }] },
    ];
    const bytes = { [a.key]: KB, [b.key]: KB, [other.key]: KB };
    expect(keys((await select(stmts, [a, b, other], bytes, { maxIndexes: 1 })).selection)).toEqual([a.key]);
    expect(keys((await select(stmts, [a, b, other], bytes, { maxPerTable: 1 })).selection)).toEqual([a.key, other.key].sort());
  });

  it('drops what saves under --min-benefit-share of the workload', async () => {
    const stmts: FakeStatement[] = [
      { id: 's1', calls: 1, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
      { id: 's2', calls: 100, columns: ['c'], base: 1000, plans: [] },
    ];
    // 990 of 101,000: about 1 %.
    expect(keys((await select(stmts, [a], { [a.key]: KB })).selection)).toEqual([a.key]);
    expect((await select(stmts, [a], { [a.key]: KB }, { minBenefitShare: 0.01 })).selection.chosen).toEqual([]);
  });

  it('counts a smaller cut (down to 5 %) where the new index reads a small part of the table, not where it reads a third of it', async () => {
    const c = candidate('t', ['c']);
    const { selection } = await select(
      [
        // 20 % off, reading 1 % of the table's 100,000 rows: a narrow range of a long report query.
        { id: 'narrow', calls: 10, columns: ['a'], base: 10_000, plans: [{ needs: [a.key], cost: 8_000, rows: 1_000 }] },
        // 20 % off, reading a third of the table: a bitmap scan over a 3-valued column.
        { id: 'broad', calls: 10, columns: ['b'], base: 10_000, plans: [{ needs: [b.key], cost: 8_000, rows: 33_000 }] },
        // 3 % off, however selective: planner noise.
        { id: 'noise', calls: 10, columns: ['c'], base: 10_000, plans: [{ needs: [c.key], cost: 9_700, rows: 10 }] },
      ],
      [a, b, c],
      { [a.key]: KB, [b.key]: KB, [c.key]: KB },
    );
    expect(keys(selection)).toEqual([a.key]);
    expect([...selection.scoring.selective].sort()).toEqual(['narrow', 'noise']);
  });

  it('strikes out an index that makes a statement more than 10 % dearer, unless it saves the rest of the workload more', async () => {
    const stmts = (dearerCalls: number): FakeStatement[] => [
      { id: 's1', calls: 10, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
      // With (a) in place the planner takes a dearer plan for s2: +500 a call.
      { id: 's2', calls: dearerCalls, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 1500, forced: true }] },
    ];
    // 10 calls × 990 saved on s1; 100 calls × 500 lost on s2.
    const vetoed = await select(stmts(100), [a], { [a.key]: KB });
    expect(vetoed.selection.chosen).toEqual([]);
    expect(vetoed.selection.struck.map((x) => x.candidate.key)).toEqual([a.key]);
    expect(vetoed.selection.struck[0]!.reason).toMatch(/makes `SELECT s2` \(statement s2\) 50 % dearer/);
    // 1 call × 500 lost on s2: the trade is worth it, and the index says so.
    const kept = await select(stmts(1), [a], { [a.key]: KB });
    expect(keys(kept.selection)).toEqual([a.key]);
    expect(kept.selection.regressions.map((r) => r.statementId)).toEqual(['s2']);
    expect(kept.selection.chosen[0]!.notes?.join(' ')).toMatch(/kept although it makes `SELECT s2` \(statement s2\) 50 % dearer/);
  });

  it('weighs by total time when asked', async () => {
    const { parsed, workload } = workloadOf([{ id: 's1', calls: 10, columns: ['a'], base: 100, plans: [] }]);
    workload[0]!.totalExecMs = 500;
    const scoring = makeScoring(workload, parsed, new Map([['s1', 100]]), { weight: 'total_time', minImprovement: 0.3 });
    // Half the cost is half the time.
    expect(gain(scoring, 's1', 100, 50)).toBe(250);
    expect(gain(scoring, 's1', 100, 80)).toBe(0);
  });

  it('gives the same answer on every run', async () => {
    const c = candidate('t', ['c']);
    const stmts: FakeStatement[] = [
      {
        id: 's1',
        calls: 10,
        columns: ['a', 'b'],
        base: 1000,
        plans: [
          { needs: [a.key], cost: 100 },
          { needs: [b.key], cost: 100 },
        ],
      },
      {
        id: 's2',
        calls: 10,
        columns: ['b', 'c'],
        base: 1000,
        plans: [
          { needs: [b.key], cost: 100 },
          { needs: [c.key], cost: 100 },
        ],
      },
    ];
    const bytes = { [a.key]: KB, [b.key]: KB, [c.key]: KB };
    const first = keys((await select(stmts, [a, b, c], bytes)).selection);
    for (let i = 0; i < 5; i++) expect(keys((await select(stmts, [a, b, c], bytes)).selection)).toEqual(first);
    expect(first).toEqual([b.key]);
  });
});

describe('why a candidate was not chosen', () => {
  const a = candidate('t', ['a']);
  const b = candidate('t', ['b']);
  const c = candidate('t', ['c']);
  const why = (s: Selection) => Object.fromEntries(s.notChosen.map((n) => [n.candidate.key, n.reason]));

  it('says: lost to write cost, outside the budget, below --min-improvement, unused by any plan', async () => {
    const d = candidate('t', ['d']);
    const { selection } = await select(
      [
        { id: 's1', calls: 100, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
        { id: 's2', calls: 10, columns: ['b'], base: 1000, plans: [{ needs: [b.key], cost: 10 }] },
        { id: 's3', calls: 10, columns: ['c'], base: 1000, plans: [{ needs: [c.key], cost: 900 }] },
        { id: 's4', calls: 10, columns: ['d'], base: 1000, plans: [] },
      ],
      [a, b, c, d],
      { [a.key]: KB, [b.key]: KB, [c.key]: KB, [d.key]: KB },
      { writeCost: (x) => (x.key === b.key ? 20_000 : 0) },
    );
    expect(keys(selection)).toEqual([a.key]);
    expect(why(selection)[b.key]).toMatch(
      /^lost to write cost: it saves 7\.62 % of the workload's cost and costs 15\.4 % to keep up to date$/,
    );
    expect(why(selection)[c.key]).toMatch(
      /^never costed in a round: with every candidate in place its statements save less than --min-improvement \(30\.0 %\)/,
    );
    expect(why(selection)[d.key]).toMatch(/^the planner used it in no plan/);
    const tight = await select(
      [
        { id: 's1', calls: 100, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
        { id: 's2', calls: 10, columns: ['b'], base: 1000, plans: [{ needs: [b.key], cost: 10 }] },
      ],
      [a, b],
      { [a.key]: 4 * KB, [b.key]: 4 * KB },
      { budgetBytes: 5 * KB },
    );
    expect(why(tight.selection)[b.key]).toBe('outside the budget: it takes 32.8 kB where 8.2 kB was left');
  });
});

describe('what a DBA would strike out of the set', () => {
  const a = candidate('t', ['a']);
  const covering = candidate('t', ['a'], { include: ['z'] });
  const partial = candidate('t', ['a'], { where: 'flag' });
  // A statement no index serves, so that the small losses below are small shares of the workload.
  const bulk: FakeStatement = { id: 'bulk', calls: 1000, columns: ['q'], base: 1000, plans: [] };
  const bytes = { [a.key]: KB, [covering.key]: 2 * KB, [partial.key]: KB };

  it('two indexes with the same key and other INCLUDE columns: the one the workload misses least goes', async () => {
    const { selection } = await select(
      [
        {
          id: 's1',
          calls: 10,
          columns: ['a'],
          base: 1000,
          plans: [
            { needs: [a.key], cost: 10 },
            { needs: [covering.key], cost: 20 },
          ],
        },
        {
          id: 's2',
          calls: 10,
          columns: ['a', 'z'],
          base: 1000,
          plans: [
            { needs: [covering.key], cost: 10 },
            { needs: [a.key], cost: 50 },
          ],
        },
        bulk,
      ],
      [a, covering],
      bytes,
      // No bar from the option: the near-duplicate rule alone must strike it.
      { minBenefitShare: 0 },
    );
    expect(keys(selection)).toEqual([covering.key]);
    expect(selection.struck.map((x) => x.candidate.key)).toEqual([a.key]);
    expect(selection.struck[0]!.reason).toMatch(/the same key as/);
    expect(selection.final.get('s1')).toBe(20);
  });

  it('a full index beside a partial one on the same key serving the same statements: one goes', async () => {
    const { selection } = await select(
      [
        {
          id: 's1',
          calls: 10,
          columns: ['a'],
          base: 1000,
          plans: [
            { needs: [partial.key], cost: 10 },
            { needs: [a.key], cost: 20 },
          ],
        },
        {
          id: 's2',
          calls: 10,
          columns: ['a'],
          base: 1000,
          plans: [
            { needs: [a.key], cost: 10 },
            { needs: [partial.key], cost: 50 },
          ],
        },
        bulk,
      ],
      [a, partial],
      bytes,
      { minBenefitShare: 0 },
    );
    expect(selection.chosen).toHaveLength(1);
    expect(selection.struck).toHaveLength(1);
    expect(selection.struck[0]!.reason).toMatch(/partial or not/);
  });

  it('keeps both where each saves a real share, and says why', async () => {
    const { selection } = await select(
      [
        {
          id: 's1',
          calls: 100,
          columns: ['a'],
          base: 1000,
          plans: [
            { needs: [a.key], cost: 10 },
            { needs: [covering.key], cost: 600 },
          ],
        },
        {
          id: 's2',
          calls: 100,
          columns: ['a', 'z'],
          base: 1000,
          plans: [
            { needs: [covering.key], cost: 10 },
            { needs: [a.key], cost: 600 },
          ],
        },
      ],
      [a, covering],
      bytes,
    );
    expect(keys(selection)).toEqual([a.key, covering.key].sort());
    for (const c of selection.chosen) expect(c.notes?.join()).toMatch(/^kept beside .*the same key as.*rises/);
    expect(selection.struck).toEqual([]);
  });

  it('an index credited with next to nothing goes', async () => {
    const tiny = candidate('t', ['b']);
    const { selection } = await select(
      [
        { id: 's1', calls: 10, columns: ['a'], base: 1000, plans: [{ needs: [a.key], cost: 10 }] },
        { id: 's4', calls: 1, columns: ['b'], base: 100, plans: [{ needs: [tiny.key], cost: 10 }] },
        bulk,
      ],
      [a, tiny],
      { ...bytes, [tiny.key]: KB },
      { minBenefitShare: 0 },
    );
    expect(keys(selection)).toEqual([a.key]);
    expect(selection.struck[0]).toMatchObject({ candidate: { key: tiny.key } });
    expect(selection.struck[0]!.reason).toMatch(/^credited with 0\.01 %/);
  });
});

describe('GIN and GiST after the hypothetical set', () => {
  const gin = candidate('docs', ['body'], { method: 'gin', statementIds: ['s1'] });
  const ginPath = candidate('docs', ['attrs'], {
    method: 'gin',
    statementIds: ['s1'],
    columns: [{ sql: 'attrs', column: 'attrs', opclass: 'jsonb_path_ops' }],
  });

  async function hypothetical() {
    const stmts: FakeStatement[] = [{ id: 's1', calls: 10, table: 'docs', columns: ['body'], base: 1000, plans: [] }];
    const { selection, parsed } = await select(stmts, [], {});
    return { selection, servedBy: statementsFor(parsed, selection) };
  }

  it('chooses from indexes built for real, with their relative saving carried over, and the smaller of two equals', async () => {
    const { selection } = await hypothetical();
    const plan = (cost: number, used: string[] = []) => ({ ok: true as const, cost, indexesUsed: used, scans: [] });
    const choice = chooseMeasured(
      [
        { candidate: gin, bytes: 90 * KB, before: new Map([['s1', plan(2000)]]), after: new Map([['s1', plan(200, [gin.key])]]) },
        { candidate: ginPath, bytes: 30 * KB, before: new Map([['s1', plan(2000)]]), after: new Map([['s1', plan(205, [ginPath.key])]]) },
      ],
      selection,
      { verification: () => ({ kind: 'real', where: 'scratch' }), minBenefitShare: 0.001, writeCost: () => 0 },
    );
    expect(choice.chosen.map((c) => c.candidate.key)).toEqual([ginPath.key]);
    expect(choice.chosen[0]!.verification).toEqual({ kind: 'real', where: 'scratch' });
    expect(choice.chosen[0]!.statements[0]).toMatchObject({ costBefore: 1000, costAfter: 102.5, weight: 10 });
    expect(choice.final.get('s1')).toBe(102.5);
    // The selection itself is left as it was.
    expect(selection.final.get('s1')).toBe(1000);
  });

  it('counts against what the hypothetical set left of --budget, --max-indexes and --max-per-table', async () => {
    const { selection } = await hypothetical();
    const plan = (cost: number, used: string[] = []) => ({ ok: true as const, cost, indexesUsed: used, scans: [] });
    const m = { candidate: gin, bytes: 90 * KB, before: new Map([['s1', plan(2000)]]), after: new Map([['s1', plan(200, [gin.key])]]) };
    const opts = { verification: () => ({ kind: 'model' as const, evidence: [] }), minBenefitShare: 0.001, writeCost: () => 0 };
    const btree = { ...gin, key: 'b', method: 'btree' as const };
    const held = {
      ...selection,
      chosen: [{ candidate: btree, bytes: 20 * KB, benefit: 1, writeCost: 0, statements: [], verification: { kind: 'hypopg' as const } }],
    };
    const chosen = (caps: object, sel = selection) => chooseMeasured([m], sel, { ...opts, caps }).chosen.length;
    expect(chosen({})).toBe(1);
    expect(chosen({ budgetBytes: 100 * KB })).toBe(1);
    expect(chosen({ budgetBytes: 100 * KB }, held)).toBe(0); // 20 kB held + 90 kB > 100 kB
    expect(chosen({ maxIndexes: 1 }, held)).toBe(0);
    expect(chosen({ maxPerTable: 1 }, held)).toBe(0);
    expect(chosen({ maxPerTable: 2, maxIndexes: 2, budgetBytes: 110 * KB }, held)).toBe(1);
  });

  it('proposes unverified only where the plan scans the table whole for a few rows', async () => {
    const { selection, servedBy } = await hypothetical();
    const few = proposeUnverified([gin], servedBy, selection, { writeCost: () => 5, tableRows: () => 100 });
    expect(few.chosen).toHaveLength(1);
    expect(few.chosen[0]!.verification).toMatchObject({ kind: 'unverified' });
    expect(few.chosen[0]!.statements[0]).toMatchObject({ statementId: 's1', costBefore: 1000, weight: 10 });
    expect(Number.isNaN(few.chosen[0]!.statements[0]!.costAfter)).toBe(true);
    // The model's scan keeps 1 row: of 10 rows that is 10 %, too many to propose without proof.
    expect(proposeUnverified([gin], servedBy, selection, { writeCost: () => 5, tableRows: () => 10 }).chosen).toEqual([]);
  });
});
