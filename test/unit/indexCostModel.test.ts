// The pure cost model: the planner's formulas reproduce the planner's own figures for an index
// whose statistics are known (gm_tagged of tools/ginmodel, its GIN index as gin_metapage_info
// reports it: 130 pages, 111 entry pages, 18 data pages, 1,103 entries; 834 heap pages, 100,000
// rows), and the keys a constant searches are counted as the opclasses extract them.
import { describe, expect, it } from 'vitest';
import type { IndexCandidate, Predicate } from '../../src/types.js';
import {
  bitmapHeapCost,
  bitmapWorkers,
  ginIndexCost,
  gistIndexCost,
  type IndexShape,
  DEFAULT_COST_SETTINGS as S,
  searchEntries,
} from '../../src/verify/indexCostModel.js';

const shape: IndexShape = { bytes: 130 * 8192, pages: 130, tuples: 100_000, entries: 1103, entryPages: 111, dataPages: 18, basis: '' };
const cand = (opclass?: string): IndexCandidate => ({
  key: 'k',
  schema: 'public',
  table: 't',
  method: 'gin',
  columns: [{ sql: 'c', column: 'c', ...(opclass ? { opclass } : {}) }],
  include: [],
  statementIds: [],
  reasons: [],
});
const pred = (operator: string, constant?: string): Predicate => ({
  key: { column: 'c' },
  kind: 'other',
  operator,
  text: '',
  ...(constant ? { constant } : {}),
});

describe('gincostestimate and cost_bitmap_heap_scan (PostgreSQL 15)', () => {
  it("reproduces EXPLAIN's Bitmap Index Scan and Bitmap Heap Scan costs", () => {
    // tags && '{17}': 40 rows expected; EXPLAIN: index 0.00..12.30, heap 12.31..146.53
    const few = ginIndexCost(shape, 40 / 100_000, 1, S);
    expect(few.total).toBeCloseTo(12.3, 1);
    expect(bitmapHeapCost(few, 40 / 100_000, 834, 100_000, S.cpuOperatorCost, S)).toBeCloseTo(146.53, 1);
    // tags && '{2001,2002}': 55,929 rows; EXPLAIN: index 0.00..519.46, heap 533.45..2066.56
    const many = ginIndexCost(shape, 0.55929, 2, S);
    expect(many.total).toBeCloseTo(519.46, 1);
    expect(bitmapHeapCost(many, 0.55929, 834, 100_000, S.cpuOperatorCost, S)).toBeCloseTo(2066.56, 1);
  });

  it('a parallel bitmap scan: workers as compute_parallel_worker gives them, CPU shared, the Gather paid for', () => {
    expect([1000, 1024, 3071, 3072, 100_000].map((p) => bitmapWorkers(p, S))).toEqual([0, 1, 1, 2, 2]);
    expect(bitmapWorkers(100_000, { ...S, maxParallelWorkersPerGather: 0 })).toBe(0);
    const idx = ginIndexCost(shape, 0.55929, 2, S);
    const plain = bitmapHeapCost(idx, 0.55929, 834, 100_000, S.cpuOperatorCost, S);
    const cpu = (S.cpuTupleCost + S.cpuOperatorCost) * 55_929;
    expect(bitmapHeapCost(idx, 0.55929, 834, 100_000, S.cpuOperatorCost, S, 2)).toBeCloseTo(
      plain - cpu + cpu / 2.4 + S.parallelSetupCost + S.parallelTupleCost * 55_929,
      6,
    );
  });

  it('GiST: the descent costs more than the pages for a few rows', () => {
    const g = gistIndexCost({ ...shape, entries: 100_000, entryPages: 775, dataPages: 0, pages: 775 }, 13 / 100_000, 1, 0, S);
    expect(g.startup).toBeCloseTo(Math.ceil(Math.log(100_000)) * S.cpuOperatorCost + 2 * 50 * S.cpuOperatorCost, 6);
    expect(g.total).toBeGreaterThan(g.startup + S.randomPageCost);
  });
});

describe('keys a clause searches', () => {
  it('trigrams of a LIKE pattern: only whole trigrams between wildcards, padded where the pattern is anchored', () => {
    expect(searchEntries(cand('gin_trgm_ops'), pred('~~*', "'%abc12%'"), undefined)).toBe(3);
    expect(searchEntries(cand('gin_trgm_ops'), pred('~~', "'abc%'"), undefined)).toBe(3); // "  a", " ab", "abc"
    expect(searchEntries(cand('gin_trgm_ops'), pred('~~', "'%ab%'"), undefined)).toBe('all');
    expect(searchEntries(cand('gin_trgm_ops'), pred('%', "'peach'"), undefined)).toBe(6);
    expect(searchEntries(cand('gin_trgm_ops'), pred('~~', undefined), undefined)).toBe(1);
  });

  it('jsonb: keys and values with jsonb_ops, one hash per value with jsonb_path_ops; array elements', () => {
    const jsonb = { name: 'c', type: 'jsonb', notNull: false };
    expect(searchEntries(cand(), pred('@>', `'{"a": 1, "b": "x"}'`), jsonb)).toBe(4);
    expect(searchEntries(cand('jsonb_path_ops'), pred('@>', `'{"a": 1, "b": "x"}'`), jsonb)).toBe(2);
    expect(searchEntries(cand(), pred('&&', "'{1,2,3}'"), { name: 'c', type: 'integer[]', notNull: false })).toBe(3);
  });
});
