// Index types beyond the plain b-tree, each proposed only for the operators it serves:
// GIN for jsonb containment/existence, array overlap/containment, trigram LIKE/regex/similarity and
// full text; GiST for ranges, geometric types and PostGIS (overlap, containment, nearest first with
// ORDER BY col <-> value LIMIT), and trigram similarity and distance ordering;
// BRIN for ranges on a column that follows the table's physical order; hash for equality on wide
// values; b-tree text_pattern_ops for left-anchored LIKE under a non-C collation.
import { quoteIdent } from '../db/quote.js';
import type { Catalog, CatalogColumn, CatalogTable, IndexColumn, Predicate, TableAccess } from '../types.js';
import type { Proposal } from './btree.js';
import { unquote } from './selectivity.js';

/** BRIN pays off on big tables whose column is (nearly) sorted on disk. */
export const BRIN_MIN_CORRELATION = 0.9;
export const BRIN_MIN_ROWS = 100_000;
/** Hash indexes only beat b-trees on size for wide keys. */
export const HASH_MIN_WIDTH = 32;

const JSONB_OPS = new Set(['@>', '<@', '?', '?|', '?&']);
const ARRAY_OPS = new Set(['&&', '@>', '<@']);
const TRGM_OPS = new Set(['~~', '~~*', '~', '~*']);
/** pg_trgm's similarity operators (GIN or GiST with the trigram opclasses). */
const SIMILARITY_OPS = new Set(['%', '<%', '%>', '<<%', '%>>']);
/** Range and multirange operators the default GiST opclass serves. */
const RANGE_OPS = new Set(['&&', '@>', '<@', '<<', '>>', '&<', '&>', '-|-']);
/** Geometric operators of the built-in GiST opclasses (box_ops, poly_ops, circle_ops, point_ops). */
const GEOMETRIC_OPS = new Set(['&&', '@>', '<@', '~=', '<<', '>>', '<<|', '|>>', '&<', '&>', '&<|', '|&>', '<^', '>^']);
/** PostGIS operators its GiST opclasses serve (bounding-box overlap, containment, same). */
const POSTGIS_OPS = new Set(['&&', '&&&', '~', '@', '~=', '<<', '>>', '&<', '&>', '<<|', '|>>', '&<|', '|&>']);

export function specialProposals(access: TableAccess, table: CatalogTable, catalog: Catalog, notes: Set<string>): Proposal[] {
  const out: Proposal[] = [];
  const emit = (method: Proposal['method'], columns: IndexColumn[], reason: string) =>
    out.push({ schema: table.schema, table: table.name, method, columns, include: [], reason });
  const colOf = (p: Predicate): CatalogColumn | undefined =>
    p.key.column ? table.columns.find((c) => c.name === p.key.column) : undefined;

  const jsonbOps = new Map<string, Set<string>>();
  for (const p of access.predicates) {
    const col = colOf(p);
    const plain = col ? { sql: quoteIdent(col.name), column: col.name } : undefined;

    if (col && plain && col.type === 'jsonb' && JSONB_OPS.has(p.operator)) {
      const ops = jsonbOps.get(col.name) ?? new Set();
      ops.add(p.operator);
      jsonbOps.set(col.name, ops);
    } else if (col && plain && col.type.endsWith('[]') && ARRAY_OPS.has(p.operator)) {
      emit('gin', [plain], `array ${p.operator} on ${col.name}`);
    } else if (col && plain && isRangeType(col.type) && RANGE_OPS.has(p.operator)) {
      emit('gist', [plain], `range ${p.operator} on ${col.name}`);
    } else if (col && plain && isGeometric(col.type) && GEOMETRIC_OPS.has(p.operator)) {
      emit('gist', [plain], `${col.type} ${p.operator} on ${col.name}`);
    } else if (col && plain && isPostgis(col.type) && catalog.extensions.postgis && POSTGIS_OPS.has(p.operator)) {
      emit('gist', [plain], `spatial ${p.operator} on ${col.name} (PostGIS)`);
    } else if (col && plain && SIMILARITY_OPS.has(p.operator) && /text|char/.test(col.type)) {
      if (catalog.extensions.pg_trgm) {
        emit('gin', [{ ...plain, opclass: 'gin_trgm_ops' }], `similarity ${p.operator} on ${col.name} (trigram)`);
        emit('gist', [{ ...plain, opclass: 'gist_trgm_ops' }], `similarity ${p.operator} on ${col.name} (trigram)`);
      }
    } else if (col && plain && p.kind === 'like' && TRGM_OPS.has(p.operator) && /text|char/.test(col.type)) {
      const pattern = p.constant ? unquote(p.constant) : undefined;
      const anchored = pattern !== undefined && (p.operator === '~~' || p.operator === '~') && isLeftAnchored(pattern, p.operator);
      if (anchored && p.operator === '~~') {
        // 'abc%' can use a b-tree, but under a non-C collation only with text_pattern_ops.
        emit(
          'btree',
          [{ ...plain, opclass: col.type.startsWith('character varying') ? 'varchar_pattern_ops' : 'text_pattern_ops' }],
          `prefix LIKE ${p.constant} on ${col.name}`,
        );
      } else if (catalog.extensions.pg_trgm) {
        const what = pattern === undefined ? 'a pattern unknown until run time' : p.constant;
        emit('gin', [{ ...plain, opclass: 'gin_trgm_ops' }], `${opName(p.operator)} ${what} on ${col.name} (trigram)`);
      } else {
        notes.add(
          `${table.name}.${col.name}: ${opName(p.operator)} with a leading wildcard needs a trigram GIN index, ` +
            'but pg_trgm is not installed (CREATE EXTENSION pg_trgm).',
        );
      }
    } else if (p.kind === 'fts') {
      if (p.key.expression && /^to_tsvector\('/.test(p.key.expression)) {
        emit('gin', [{ sql: `(${p.key.expression})` }], `full text search on ${p.key.expression}`);
      } else if (col && plain && col.type === 'tsvector') {
        emit('gin', [plain], `full text search on ${col.name}`);
      }
    } else if (col && plain && p.kind === 'range' && isBrinCandidate(col, table)) {
      emit('brin', [plain], `range on ${col.name}, which follows the physical order (correlation ${col.stats!.correlation!.toFixed(2)})`);
    } else if (col && plain && p.kind === 'eq' && (col.stats?.avgWidth ?? 0) >= HASH_MIN_WIDTH) {
      emit('hash', [plain], `equality on the wide column ${col.name} (${col.stats!.avgWidth} bytes on average)`);
    }
  }
  // ORDER BY col <-> value LIMIT n: a GiST index returns the nearest rows first.
  const d = access.distanceOrder;
  const dcol = d ? table.columns.find((c) => c.name === d.column) : undefined;
  if (d && dcol && access.hasLimit) {
    const plain = { sql: quoteIdent(dcol.name), column: dcol.name };
    const what = `ORDER BY ${dcol.name} ${d.operator} … LIMIT`;
    if (/text|char/.test(dcol.type) && d.operator === '<->' && catalog.extensions.pg_trgm)
      emit('gist', [{ ...plain, opclass: 'gist_trgm_ops' }], `${what} (trigram distance)`);
    else if (isGeometric(dcol.type) && d.operator === '<->') emit('gist', [plain], `${what} (nearest ${dcol.type})`);
    else if (isPostgis(dcol.type) && catalog.extensions.postgis && (d.operator === '<->' || d.operator === '<#>'))
      emit('gist', [plain], `${what} (nearest, PostGIS)`);
  }
  for (const [column, ops] of jsonbOps) {
    const plain = { sql: quoteIdent(column), column };
    const list = [...ops].join(', ');
    emit('gin', [plain], `jsonb ${list} on ${column}`);
    // jsonb_path_ops is smaller and faster, but serves only @> (and jsonpath): propose it when that is all.
    if ([...ops].every((o) => o === '@>'))
      emit('gin', [{ ...plain, opclass: 'jsonb_path_ops' }], `jsonb @> on ${column} (jsonb_path_ops: smaller, @> only)`);
  }
  return out;
}

const isRangeType = (t: string) => /(range|multirange)$/.test(t);
const isGeometric = (t: string) => /^(point|box|polygon|circle)$/.test(t);
const isPostgis = (t: string) => /^(geometry|geography)\b/.test(t);

function isBrinCandidate(col: CatalogColumn, table: CatalogTable): boolean {
  const c = col.stats?.correlation;
  return c !== undefined && Math.abs(c) >= BRIN_MIN_CORRELATION && table.rows >= BRIN_MIN_ROWS;
}

function isLeftAnchored(pattern: string, op: string): boolean {
  if (op === '~') return pattern.startsWith('^') && !/^\^[.[(\\*+?]/.test(pattern);
  return pattern.length > 0 && !/^[%_]/.test(pattern);
}

function opName(op: string): string {
  return { '~~': 'LIKE', '~~*': 'ILIKE', '~': 'regex', '~*': 'case-insensitive regex' }[op] ?? op;
}
