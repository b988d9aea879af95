// B-tree bloat: how many bytes a REINDEX would give back.
//
// Two sources:
// - estimateBtreeBloat(): the well-known statistics-based estimate (ioguix/pgsql-bloat-estimation,
//   btree_bloat.sql) ported to TypeScript: from pg_stats (avg_width, null_frac of each indexed
//   column) and the index's reltuples it computes how many pages a freshly built index would need
//   at its fillfactor, and compares that with relpages. Cheap (catalogs only) but approximate, and
//   it needs pg_stats rows, which PostgreSQL shows only to roles that may SELECT the table.
// - pgstatindexBloat(): from pgstattuple's pgstatindex() (avg_leaf_density): measured, but it reads
//   the whole index. Needs the extension and pg_stat_scan_tables (part of pg_monitor).
import type { ColumnStats, PgstatindexRow } from './model.js';

export interface BloatFigure {
  source: 'estimate' | 'pgstatindex';
  /** Share of the index's size a rebuild would give back, 0..1. */
  ratio: number;
  reclaimableBytes: number;
  /** Size the figure is about, in bytes. */
  bytes: number;
  evidence: Record<string, string | number | boolean | null>;
}

export interface EstimateInput {
  relpages: number;
  reltuples: number;
  fillfactor: number;
  blockSize: number;
  /** MAXALIGN: 8 on 64-bit builds. */
  maxAlign: number;
  /** One entry per index attribute (key and INCLUDE), null when pg_stats has no row for it. */
  columns: Array<ColumnStats | null>;
}

const PAGE_HEADER = 24; // PageHeaderData
const BTREE_OPAQUE = 16; // BTPageOpaqueData
const ITEM_ID = 4; // ItemIdData

/** The ioguix b-tree estimate; undefined when it cannot be computed (no stats, never analyzed, `name` columns). */
export function estimateBtreeBloat(input: EstimateInput): BloatFigure | undefined {
  const { relpages, blockSize: bs } = input;
  if (!(relpages > 0)) return undefined;
  const fresh = freshBtree(input);
  if (!fresh) return undefined;
  const estPages = fresh.pages;
  const extraPages = Math.max(0, relpages - estPages);
  const bytes = relpages * bs;
  return {
    source: 'estimate',
    ratio: extraPages / relpages,
    reclaimableBytes: extraPages * bs,
    bytes,
    evidence: {
      bloatSource: 'estimate (pg_stats, reltuples/relpages)',
      relpages,
      reltuples: Math.round(input.reltuples),
      estimatedPages: estPages,
      fillfactor: input.fillfactor,
      avgTupleWidth: Math.round(fresh.tupleWidth + ITEM_ID),
    },
  };
}

/**
 * Pages a freshly built b-tree of `reltuples` entries would take at its fillfactor (meta page and
 * leaves; the same arithmetic as the bloat estimate), and the width of one entry. Also what a
 * partial index would take (../audit/checks.ts: mostly NULL keys). Undefined when it cannot be
 * computed (no statistics for a position, `name` columns).
 */
export function freshBtree(input: Omit<EstimateInput, 'relpages'>): { pages: number; tupleWidth: number } | undefined {
  const { reltuples, fillfactor, blockSize: bs, maxAlign } = input;
  if (!(reltuples >= 0)) return undefined;
  if (input.columns.length === 0 || input.columns.some((c) => c === null)) return undefined;
  const cols = input.columns as ColumnStats[];
  // pg_stats reports 64 bytes for `name` but the estimate goes wrong on them (ioguix flags these "is_na").
  if (cols.some((c) => c.isName)) return undefined;
  // IndexTupleData (8 bytes), plus the null bitmap when some column has NULLs.
  const hdr = cols.some((c) => c.nullFrac > 0) ? 8 + Math.floor((32 + 8 - 1) / 8) : 8;
  const dataWidth = cols.reduce((s, c) => s + (1 - c.nullFrac) * c.avgWidth, 0);
  const alignPad = (n: number) => maxAlign - (n % maxAlign === 0 ? maxAlign : n % maxAlign);
  const dataInt = Math.round(dataWidth);
  const tupleWidth = hdr + alignPad(hdr) + dataWidth + (dataWidth === 0 ? 0 : alignPad(dataInt));
  const perPage = Math.floor(((bs - BTREE_OPAQUE - PAGE_HEADER) * fillfactor) / (100 * (ITEM_ID + tupleWidth)));
  if (perPage <= 0) return undefined;
  return { pages: 1 + Math.ceil(reltuples / perPage), tupleWidth };
}

/** Bloat from pgstatindex(): pages a rebuild at the fillfactor would fill, against the index's size. */
export function pgstatindexBloat(row: PgstatindexRow, fillfactor: number, blockSize: number): BloatFigure {
  const density = Number.isFinite(row.avgLeafDensity) ? row.avgLeafDensity : 0;
  const neededLeaf = row.leafPages > 0 ? Math.ceil((row.leafPages * density) / fillfactor) : 0;
  // meta page + internal pages (which would shrink too: this errs on the low side) + packed leaves.
  const neededBytes = (1 + row.internalPages + neededLeaf) * blockSize;
  const reclaimable = Math.max(0, row.indexSize - neededBytes);
  return {
    source: 'pgstatindex',
    ratio: row.indexSize > 0 ? reclaimable / row.indexSize : 0,
    reclaimableBytes: reclaimable,
    bytes: row.indexSize,
    evidence: {
      bloatSource: 'pgstatindex()',
      avgLeafDensity: round2(density),
      leafFragmentation: round2(Number.isFinite(row.leafFragmentation) ? row.leafFragmentation : 0),
      leafPages: row.leafPages,
      internalPages: row.internalPages,
      emptyPages: row.emptyPages,
      deletedPages: row.deletedPages,
      fillfactor,
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
