// A cost model of what PostgreSQL's planner would do with a GIN or GiST index that hypopg cannot
// simulate: the planner's own formulas (selfuncs.c gincostestimate, gistcostestimate and
// genericcostestimate; costsize.c cost_bitmap_heap_scan, compute_bitmap_pages, cost_index,
// index_pages_fetched), fed by the planner's row estimate for the clause (the statement's
// EXPLAIN), the table's pages and tuples (catalog), the server's cost settings and an index size
// estimated from the column's statistics. Pure: no SQL here (the inputs are read by the caller).
import type { CatalogColumn, CatalogTable, CostOutcome, IndexCandidate, ParsedStatement, Predicate, ScanEstimate } from '../types.js';

export interface CostSettings {
  randomPageCost: number;
  seqPageCost: number;
  cpuTupleCost: number;
  cpuIndexTupleCost: number;
  cpuOperatorCost: number;
  /** In pages (blocks). */
  effectiveCacheSize: number;
  blockSize: number;
  /** In kB. */
  workMem: number;
  parallelSetupCost: number;
  parallelTupleCost: number;
  /** In pages. */
  minParallelTableScanSize: number;
  maxParallelWorkersPerGather: number;
}

export const DEFAULT_COST_SETTINGS: CostSettings = {
  randomPageCost: 4,
  seqPageCost: 1,
  cpuTupleCost: 0.01,
  cpuIndexTupleCost: 0.005,
  cpuOperatorCost: 0.0025,
  effectiveCacheSize: 524288,
  blockSize: 8192,
  workMem: 4096,
  parallelSetupCost: 1000,
  parallelTupleCost: 0.1,
  minParallelTableScanSize: 1024,
  maxParallelWorkersPerGather: 2,
};

/**
 * The index as the planner would see it. For GIN also the metapage statistics a fresh build leaves
 * (entries, entry pages, data pages), which gincostestimate reads.
 */
export interface IndexShape {
  bytes: number;
  pages: number;
  /** Index tuples: GIN counts heap rows, GiST one per non-null row. */
  tuples: number;
  entries: number;
  entryPages: number;
  dataPages: number;
  /** How the size was estimated, in words. */
  basis: string;
}

const ARRAY_HEADER = 24;
const PAGE_FILL = 0.9;
/** Bytes per item pointer in a GIN posting list (varbyte-encoded deltas; gincostestimate assumes 3). */
const POSTING_BYTES = 2.5;
/** Above this, a key's posting list goes into a posting tree (data pages) instead of the entry tuple. */
const INLINE_POSTING_MAX = 1500;

/** What each row contributes to the index: keys per row, distinct keys, bytes per key. */
function keysOf(
  c: IndexCandidate,
  col: CatalogColumn | undefined,
  rows: number,
): { perRow: number; distinct: number; keyBytes: number; basis: string } {
  const s = col?.stats;
  const width = s?.avgWidth ?? 32;
  const opclass = c.columns[0]?.opclass ?? '';
  const type = col?.type ?? '';
  const nd = s ? (s.nDistinct < 0 ? -s.nDistinct * rows : s.nDistinct) : rows / 10;
  if (/trgm/.test(opclass)) {
    // A string of L characters has about L + 2 trigrams (each word padded); typical text has a few
    // thousand distinct trigrams (37³ ≈ 50,000 possible over letters and digits).
    const perRow = Math.max(1, 0.9 * (width + 1));
    return {
      perRow,
      distinct: Math.min(rows * perRow, 8000),
      keyBytes: 8,
      basis: `~${Math.round(perRow)} trigrams a row (avg_width ${width})`,
    };
  }
  if (type === 'jsonb') {
    // A key/value pair takes about 20 bytes in jsonb; jsonb_ops indexes keys and values, jsonb_path_ops one hash per value.
    const pairs = Math.max(1, (width - 4) / 20);
    const perRow = opclass === 'jsonb_path_ops' ? pairs : 2 * pairs;
    const distinct = Math.min(rows * perRow, Math.max(perRow, nd * pairs * 0.5));
    return {
      perRow,
      distinct,
      keyBytes: opclass === 'jsonb_path_ops' ? 4 : 12,
      basis: `~${perRow.toFixed(1)} keys a row (avg_width ${width})`,
    };
  }
  if (type.endsWith('[]')) {
    const elem = /int4|integer/.test(type) ? 4 : /int8|bigint/.test(type) ? 8 : /int2|smallint/.test(type) ? 2 : 10;
    const perRow = Math.max(1, (width - ARRAY_HEADER) / elem);
    const distinct = Math.min(rows * perRow, Math.max(perRow, Math.sqrt(rows * perRow) * 4));
    return { perRow, distinct, keyBytes: elem, basis: `~${perRow.toFixed(1)} elements a row (avg_width ${width})` };
  }
  // Full text: a lexeme per 7 characters of text (stop words dropped); a tsvector keeps ~12 bytes a lexeme.
  const perRow = Math.max(1, type === 'tsvector' ? width / 12 : width / 7);
  return {
    perRow,
    distinct: Math.min(rows * perRow, 50_000),
    keyBytes: 8,
    basis: `~${Math.round(perRow)} lexemes a row (avg_width ${width})`,
  };
}

/**
 * The size of the index from the column's statistics (avg_width, n_distinct, null_frac).
 * GIN: each distinct key once (key + 16 bytes of tuple overhead) with its posting list (2.5 bytes
 * a row), the long lists in posting trees (data pages). GiST: one tuple per non-null row, its key
 * (the value; a trigram signature of 3 bytes a trigram), 90 % full pages and 20 % for the upper levels.
 */
export function estimateIndexShape(c: IndexCandidate, table: CatalogTable, settings: CostSettings = DEFAULT_COST_SETTINGS): IndexShape {
  const col = c.columns[0]?.column ? table.columns.find((x) => x.name === c.columns[0]!.column) : undefined;
  const rows = Math.max(1, table.rows);
  const notNull = rows * (1 - (col?.stats?.nullFrac ?? 0));
  const usable = settings.blockSize * PAGE_FILL;
  if (c.method === 'gist') {
    const width = col?.stats?.avgWidth ?? 32;
    const key = /trgm/.test(c.columns[0]?.opclass ?? '') ? 8 + 3 * (width + 2) : width;
    const leafPages = Math.ceil((notNull * (key + 12)) / usable);
    const pages = Math.max(2, Math.ceil(leafPages * 1.2) + 1);
    return {
      bytes: pages * settings.blockSize,
      pages,
      tuples: notNull,
      entries: notNull,
      entryPages: pages,
      dataPages: 0,
      basis: `one ${Math.round(key)}-byte key per row`,
    };
  }
  const k = keysOf(c, col, rows);
  const items = notNull * k.perRow;
  const perKey = items / Math.max(1, k.distinct);
  const inline = perKey * POSTING_BYTES <= INLINE_POSTING_MAX;
  const entryBytes = k.distinct * (k.keyBytes + 16 + (inline ? perKey * POSTING_BYTES : 8));
  const entryPages = Math.max(1, Math.ceil(entryBytes / usable));
  const dataPages = inline ? 0 : Math.ceil((items * POSTING_BYTES) / usable);
  const pages = entryPages + dataPages + 1;
  return {
    bytes: pages * settings.blockSize,
    pages,
    tuples: rows,
    entries: Math.max(1, Math.round(k.distinct)),
    entryPages,
    dataPages,
    basis: `${k.basis}, ~${Math.round(k.distinct)} distinct keys`,
  };
}

// ---- Which clauses the index serves, and how many index keys a clause searches ------------------

const GIN_OPS: Record<string, string[]> = {
  jsonb_path_ops: ['@>'],
  jsonb: ['@>', '?', '?|', '?&'],
  array: ['&&', '@>', '<@', '='],
  trgm: ['~~', '~~*', '~', '~*', '%', '<%', '%>', '<<%', '%>>', '='],
  fts: ['@@', '@@@'],
};
const GIST_OPS: Record<string, string[]> = {
  range: ['&&', '@>', '<@', '<<', '>>', '&<', '&>', '-|-', '='],
  trgm: ['~~', '~~*', '~', '~*', '%', '<%', '%>', '<<%', '%>>'],
  geometric: ['&&', '@>', '<@', '~=', '<<', '>>', '<<|', '|>>', '&<', '&>', '&<|', '|&>', '~', '@'],
};

export type ServedClause = { kind: 'qual'; predicate: Predicate } | { kind: 'order'; operator: string; constant?: string };

function family(c: IndexCandidate, col: CatalogColumn | undefined): string {
  const opclass = c.columns[0]?.opclass ?? '';
  if (/trgm/.test(opclass)) return 'trgm';
  if (opclass === 'jsonb_path_ops') return 'jsonb_path_ops';
  const type = col?.type ?? '';
  if (type === 'jsonb') return 'jsonb';
  if (type.endsWith('[]')) return 'array';
  if (/range$/.test(type)) return 'range';
  if (/^(point|box|polygon|circle)$/.test(type) || /^geometry|^geography/.test(type)) return 'geometric';
  return 'fts';
}

/** The clauses of the statement the index can serve on its table: WHERE operators and, for GiST, ORDER BY col <-> const. */
export function servedClauses(c: IndexCandidate, stmt: ParsedStatement, col: CatalogColumn | undefined): ServedClause[] {
  const out: ServedClause[] = [];
  const first = c.columns[0];
  if (!first) return out;
  const fam = family(c, col);
  const ops = (c.method === 'gin' ? GIN_OPS : GIST_OPS)[fam] ?? [];
  for (const a of stmt.tables) {
    if (a.table !== c.table || (a.schema && a.schema !== c.schema)) continue;
    for (const p of a.predicates) {
      const same = first.column ? p.key.column === first.column : p.key.expression !== undefined && `(${p.key.expression})` === first.sql;
      if (same && ops.includes(p.operator) && !p.orArm) out.push({ kind: 'qual', predicate: p });
    }
    const d = a.distanceOrder;
    if (c.method === 'gist' && d && first.column === d.column)
      out.push({ kind: 'order', operator: d.operator, ...(d.constant ? { constant: d.constant } : {}) });
  }
  return out;
}

const unquoteLiteral = (s: string) => {
  const m = /^(?:E)?'((?:[^']|'')*)'(?:::[\w\s[\]".]+)?$/s.exec(s.trim());
  return m ? m[1]!.replace(/''/g, "'") : undefined;
};

/** Trigrams pg_trgm extracts from a string (each word padded: two blanks before, one after). */
function trigramsOf(words: string[], padStart: boolean[], padEnd: boolean[]): number {
  const set = new Set<string>();
  words.forEach((w, i) => {
    const s = `${padStart[i] ? '  ' : ''}${w.toLowerCase()}${padEnd[i] ? ' ' : ''}`;
    for (let j = 0; j + 3 <= s.length; j++) set.add(s.slice(j, j + 3));
  });
  return set.size;
}

/**
 * How many index keys gincostestimate counts as searched for the clause (its opclass' extractQuery
 * on the constant), or 'all' where the query extracts none (a full index scan). A `$n` parameter
 * counts as one key, as the planner does with an operand it cannot see.
 */
export function searchEntries(c: IndexCandidate, p: Predicate, col: CatalogColumn | undefined): number | 'all' {
  const text = p.constant !== undefined ? unquoteLiteral(p.constant) : undefined;
  if (text === undefined) return 1;
  const fam = family(c, col);
  if (fam === 'trgm') {
    if (p.operator === '~~' || p.operator === '~~*') {
      // LIKE: the words between wildcards and non-word characters; a word is padded where the pattern bounds it.
      const words: string[] = [];
      const ps: boolean[] = [];
      const pe: boolean[] = [];
      const re = /[\p{L}\p{N}]+/gu;
      for (const m of text.matchAll(re)) {
        const before = text[m.index! - 1];
        const after = text[m.index! + m[0].length];
        words.push(m[0]);
        ps.push(before === undefined || !/[%_\\]/.test(before));
        pe.push(after === undefined || !/[%_\\]/.test(after));
      }
      const n = trigramsOf(words, ps, pe);
      return n === 0 ? 'all' : n;
    }
    if (p.operator === '~' || p.operator === '~*') {
      const literal = text.replace(/\\./g, ' ').replace(/[.*+?^${}()|[\]]/g, ' ');
      const words = literal.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
      const n = trigramsOf(
        words,
        words.map(() => false),
        words.map(() => false),
      );
      return n === 0 ? 'all' : n;
    }
    const words = text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
    return Math.max(
      1,
      trigramsOf(
        words,
        words.map(() => true),
        words.map(() => true),
      ),
    );
  }
  if (fam === 'array') {
    const inner = /^\{(.*)\}$/s.exec(text.trim());
    return inner ? Math.max(1, inner[1]!.split(',').filter((x) => x.trim() !== '').length) : 1;
  }
  if (fam === 'jsonb' || fam === 'jsonb_path_ops') {
    try {
      let keys = 0;
      let leaves = 0;
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object')
          for (const [, x] of Object.entries(v)) {
            keys++;
            walk(x);
          }
        else leaves++;
      };
      walk(JSON.parse(text));
      return Math.max(1, fam === 'jsonb_path_ops' ? leaves : keys + leaves);
    } catch {
      return 1;
    }
  }
  // Full text: one key per word of the query (operators and stop words are not told apart here).
  return Math.max(1, text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0).length);
}

// ---- The planner's formulas -----------------------------------------------------------------------

const clampRows = (n: number) => (n <= 1 ? 1 : Math.round(n));

export interface IndexPathCost {
  startup: number;
  total: number;
}

/** gincostestimate (PostgreSQL 15; 17 adds CPU for the descent and per page) for one clause of selectivity `sel`. */
export function ginIndexCost(shape: IndexShape, sel: number, entries: number | 'all', s: CostSettings, serverVersion = 15): IndexPathCost {
  const numEntries = Math.max(1, shape.entries);
  const search = entries === 'all' ? numEntries : entries;
  const exact = entries === 'all' ? numEntries : entries;
  const entryFetched = Math.ceil(search * Math.round(shape.entryPages ** 0.15));
  let startup = 0;
  let total = 0;
  if (serverVersion >= 17) {
    const descent = numEntries > 1 ? Math.ceil(Math.log2(numEntries)) * s.cpuOperatorCost : 0;
    startup += descent * search + entryFetched * 50 * s.cpuOperatorCost;
    total += descent * search + entryFetched * 50 * s.cpuOperatorCost;
  }
  startup += entryFetched * s.randomPageCost;
  let dataFetched = Math.ceil((shape.dataPages * exact) / numEntries);
  dataFetched = Math.max(dataFetched, Math.ceil(sel * (shape.tuples / (s.blockSize / 3))));
  if (serverVersion >= 17) {
    startup += 50 * s.cpuOperatorCost * search;
    total += dataFetched * 50 * s.cpuOperatorCost;
    total += startup + dataFetched * s.randomPageCost + search * s.cpuOperatorCost + shape.tuples * sel * s.cpuIndexTupleCost;
    return { startup, total };
  }
  total = startup + dataFetched * s.randomPageCost;
  total += shape.tuples * sel * (s.cpuIndexTupleCost + s.cpuOperatorCost);
  return { startup, total };
}

/** gistcostestimate: genericcostestimate plus the descent (log of the tuples, and 50 operators a level). */
export function gistIndexCost(shape: IndexShape, sel: number, quals: number, orderBys: number, s: CostSettings): IndexPathCost {
  const tuples = Math.max(1, clampRows(sel * shape.tuples));
  const pages = shape.pages > 1 && shape.tuples > 1 ? Math.ceil((tuples * shape.pages) / shape.tuples) : 1;
  let total = pages * s.randomPageCost + tuples * (s.cpuIndexTupleCost + s.cpuOperatorCost * (quals + orderBys));
  let startup = 0;
  if (shape.tuples > 1) {
    const d = Math.ceil(Math.log(shape.tuples)) * s.cpuOperatorCost;
    startup += d;
    total += d;
  }
  const height = shape.pages > 1 ? Math.floor(Math.log(shape.pages) / Math.log(100)) : 0;
  const d2 = (height + 1) * 50 * s.cpuOperatorCost;
  return { startup: startup + d2, total: total + d2 };
}

/** compute_bitmap_pages: heap pages a bitmap scan of `sel` reads (loop_count 1, no lossy pages). */
export function bitmapPagesFetched(sel: number, pages: number, tuples: number): number {
  const fetched = clampRows(sel * tuples);
  const T = Math.max(pages, 1);
  const p = (2 * T * fetched) / (2 * T + fetched);
  return p >= T ? T : Math.ceil(p);
}

/**
 * cost_bitmap_heap_scan over one Bitmap Index Scan. With `workers`, a Parallel Bitmap Heap Scan
 * under its Gather (cost_gather): the CPU divided among the processes, the pages not, plus the
 * Gather's setup and a parallel_tuple_cost a row.
 */
export function bitmapHeapCost(
  index: IndexPathCost,
  sel: number,
  pages: number,
  tuples: number,
  qualPerTuple: number,
  s: CostSettings,
  workers = 0,
): number {
  const fetched = clampRows(sel * tuples);
  // cost_bitmap_tree_node: the index path, and 0.1 operator a row for the bitmap
  const indexCost = index.total + 0.1 * s.cpuOperatorCost * fetched;
  const T = Math.max(pages, 1);
  const pagesFetched = bitmapPagesFetched(sel, pages, tuples);
  const perPage =
    pagesFetched >= 2 ? s.randomPageCost - (s.randomPageCost - s.seqPageCost) * Math.sqrt(pagesFetched / T) : s.randomPageCost;
  const cpu = (s.cpuTupleCost + qualPerTuple) * fetched;
  if (workers <= 0) return indexCost + pagesFetched * perPage + cpu;
  return s.parallelSetupCost + indexCost + pagesFetched * perPage + cpu / parallelDivisor(workers) + s.parallelTupleCost * fetched;
}

/** compute_parallel_worker for a bitmap heap scan: one worker, one more each time the heap pages triple. */
export function bitmapWorkers(heapPages: number, s: CostSettings): number {
  if (s.maxParallelWorkersPerGather <= 0 || heapPages < s.minParallelTableScanSize) return 0;
  let threshold = Math.max(s.minParallelTableScanSize, 1);
  let workers = 1;
  while (heapPages >= threshold * 3) {
    workers++;
    threshold *= 3;
  }
  return Math.min(workers, s.maxParallelWorkersPerGather);
}

/** index_pages_fetched (Mackert and Lohman) for one scan, the table's and the index's pages counted in the cache. */
function indexPagesFetched(n: number, T: number, indexPages: number, s: CostSettings): number {
  T = Math.max(1, T);
  const totalPages = Math.max(1, T + indexPages);
  const b = Math.max(1, Math.ceil((s.effectiveCacheSize * T) / totalPages));
  let pages: number;
  if (T <= b) {
    pages = (2 * T * n) / (2 * T + n);
    if (pages >= T) pages = T;
  } else {
    const lim = (2 * T * b) / (2 * T - b);
    pages = n <= lim ? (2 * T * n) / (2 * T + n) : b + ((n - lim) * (T - b)) / T;
  }
  return Math.ceil(pages);
}

/** cost_index for an ordered (KNN) GiST index scan: no correlation, every tuple it returns fetched from the heap. */
export function orderedIndexScanCost(
  index: IndexPathCost,
  sel: number,
  pages: number,
  tuples: number,
  indexPages: number,
  qualPerTuple: number,
  s: CostSettings,
): IndexPathCost & { rows: number } {
  const fetched = clampRows(sel * tuples);
  const io = indexPagesFetched(fetched, pages, indexPages, s) * s.randomPageCost;
  return { startup: index.startup, total: index.total + io + (s.cpuTupleCost + qualPerTuple) * fetched, rows: fetched };
}

// ---- One statement ----------------------------------------------------------------------------------

export interface ModelVerdict {
  /** The statement's cost with the index, as modelled (the plan's cost less what the index path replaces, plus the path). */
  cost: number;
  /** The planner would use the index: the modelled path is cheaper than what it replaces. */
  uses: boolean;
  /** Cost of the node(s) replaced and of the modelled path. */
  replaced: number;
  path: number;
  /** The plan node the model replaces, and how, in words. */
  detail: string;
}

/**
 * The statement's cost with the index, from its plan without it. Only a sequential scan of the
 * index's table whose filter carries a clause the index serves (bitmap scan), or a sequential scan
 * under a LIMIT over a sort by `col <-> const` (GiST ordered scan), is replaced; otherwise
 * undefined (the model has no verdict).
 */
export function modelStatement(
  c: IndexCandidate,
  stmt: ParsedStatement,
  plan: CostOutcome,
  table: CatalogTable,
  shape: IndexShape,
  s: CostSettings,
  serverVersion = 15,
): ModelVerdict | undefined {
  if (!plan.ok) return undefined;
  const col = c.columns[0]?.column ? table.columns.find((x) => x.name === c.columns[0]!.column) : undefined;
  const clauses = servedClauses(c, stmt, col);
  if (clauses.length === 0) return undefined;
  const pages = Math.max(1, Math.ceil(table.bytes / s.blockSize));
  const tuples = Math.max(1, table.rows);
  const quals = clauses.filter((x): x is Extract<ServedClause, { kind: 'qual' }> => x.kind === 'qual');
  const order = clauses.find((x) => x.kind === 'order');
  let best: ModelVerdict | undefined;
  for (const scan of plan.scans) {
    if (scan.relation !== c.table || (scan.schema && scan.schema !== c.schema)) continue;
    if (scan.node !== 'Seq Scan' || scan.totalCost === undefined) continue;
    const parallel = scan.parallel && scan.gather;
    const divisor = parallel ? parallelDivisor(scan.gather!.workers) : 1;
    // The filter's cost per row, from the scan's own cost: total = pages × seq_page_cost + rows × (cpu_tuple_cost + filter) / divisor.
    const qualPerTuple = Math.max(0, ((scan.totalCost - pages * s.seqPageCost) * divisor) / tuples - s.cpuTupleCost);
    const scanRows = scan.rows * divisor;
    const served = quals.filter((q) => scan.filter?.includes(` ${q.predicate.operator} `));
    let v: ModelVerdict | undefined;
    if (served.length > 0) {
      const sel = Math.min(1, scanRows / tuples);
      const replaced = parallel ? scan.gather!.totalCost : scan.totalCost;
      let idx: IndexPathCost;
      if (c.method === 'gin') {
        const counts = served.map((q) => searchEntries(c, q.predicate, col));
        const entries: number | 'all' = counts.every((n) => n === 'all')
          ? 'all'
          : counts.reduce<number>((a, n) => a + (n === 'all' ? 0 : n), 0);
        idx = ginIndexCost(shape, sel, entries, s, serverVersion);
        if (served.length > 1) idx = { ...idx, total: idx.total + (served.length - 1) * shape.tuples * sel * s.cpuOperatorCost };
      } else {
        idx = gistIndexCost(shape, sel, served.length, 0, s);
      }
      // The planner keeps the cheaper of a plain bitmap scan and a parallel one under a Gather.
      const plain = bitmapHeapCost(idx, sel, pages, tuples, qualPerTuple, s);
      const workers = bitmapWorkers(bitmapPagesFetched(sel, pages, tuples), s);
      const gathered = workers > 0 ? bitmapHeapCost(idx, sel, pages, tuples, qualPerTuple, s, workers) : Number.POSITIVE_INFINITY;
      const path = Math.min(plain, gathered);
      const what = gathered < plain ? `a parallel bitmap scan (${workers} workers)` : 'a bitmap scan';
      v = {
        cost: plan.cost - replaced + path,
        uses: cheaper(path, replaced),
        replaced,
        path,
        detail: `${what} in place of ${parallel ? `a Gather of a parallel ${scan.node}` : `a ${scan.node}`}`,
      };
    } else if (order && c.method === 'gist' && scan.limit && scan.limit.rows > 0) {
      const sel = Math.min(1, scanRows / tuples);
      const idx = gistIndexCost(shape, sel, 0, 1, s);
      const ix = orderedIndexScanCost(idx, sel, pages, tuples, shape.pages, qualPerTuple, s);
      const limitCost = ix.startup + ((ix.total - ix.startup) * Math.min(scan.limit.rows, ix.rows)) / ix.rows;
      const replaced = scan.limit.totalCost;
      v = {
        cost: plan.cost - replaced + limitCost,
        uses: cheaper(limitCost, replaced),
        replaced,
        path: limitCost,
        detail: `ordered index scan (${order.operator}) under the LIMIT in place of a sort of the ${parallel ? 'parallel ' : ''}${scan.node}`,
      };
    }
    if (v && (!best || v.cost < best.cost)) best = v;
  }
  return best;
}

/**
 * add_path's fuzz: paths within 1 % of each other cost the same, and then the one that starts
 * sooner wins (the sequential scan's startup is 0, the bitmap scan's its index scan).
 */
const cheaper = (path: number, replaced: number) => path * 1.01 < replaced;

/** get_parallel_divisor: the workers, and the leader's share (1 − 0.3 a worker). */
function parallelDivisor(workers: number): number {
  const leader = 1 - 0.3 * workers;
  return workers + Math.max(leader, 0);
}

export type { ScanEstimate };
