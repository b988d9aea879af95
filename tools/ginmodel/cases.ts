// The GIN/GiST cost model against the real planner: each case loads a table, asks the model what
// the statement would cost with the index (from the plan without it, as the advisor does), then
// builds the index for real and asks the planner. Used by test/ginModel.test.ts and by
// `npm run bench -- gin-model` (bench/ginModel.ts), which writes the table into bench/RESULTS.md.
import type pg from 'pg';
import { candidateKey, createIndexSql } from '../../src/candidates/indexDefinition.js';
import { findTable } from '../../src/catalog/find.js';
import { readCatalog } from '../../src/catalog/readCatalog.js';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import type { IndexCandidate, IndexColumn } from '../../src/types.js';
import { readCostSettings } from '../../src/verify/costSettings.js';
import { estimateIndexShape, modelStatement } from '../../src/verify/indexCostModel.js';
import { PlanCoster } from '../../src/verify/planCoster.js';

/** 100,000 rows a table: big enough for the planner to care, quick to build (about 20 s for everything). */
export const SETUP_SQL = `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE gm_docs AS
  SELECT i AS id, jsonb_build_object('color', (ARRAY['red', 'green', 'blue', 'black', 'white'])[1 + i % 5],
                                    'size', i % 40, 'sku', 'sku-' || i, 'kind', 'doc') AS attributes
  FROM generate_series(1, 100000) i;
CREATE TABLE gm_tagged AS SELECT i AS id, ARRAY[i % 1000, 2000 + i % 3, 3000 + i % 100] AS tags FROM generate_series(1, 100000) i;
CREATE TABLE gm_names AS
  SELECT i AS id, 'item ' || md5(i::text) AS name,
         (ARRAY['apple', 'apricot', 'banana', 'blueberry', 'cherry', 'grape', 'lemon', 'lime', 'mango', 'melon',
                'orange', 'papaya', 'peach', 'pear', 'plum', 'quince', 'raspberry', 'strawberry', 'tomato', 'walnut'])[1 + i % 20]
           || ' ' || (i % 5000) AS word
  FROM generate_series(1, 100000) i;
CREATE TABLE gm_articles AS
  SELECT i AS id, to_tsvector('english', 'report on ' || (ARRAY['sales', 'weather', 'sports', 'music'])[1 + i % 4] ||
                              CASE WHEN i % 2 = 0 THEN ' and budget' ELSE '' END || ' code' || md5(i::text)) AS tsv
  FROM generate_series(1, 100000) i;
CREATE TABLE gm_bookings AS SELECT i AS id, int4range(i * 10, i * 10 + 5 + i % 20) AS during FROM generate_series(1, 100000) i;
ANALYZE gm_docs, gm_tagged, gm_names, gm_articles, gm_bookings;
`;

export interface ModelCase {
  /** What is indexed and how. */
  name: string;
  table: string;
  method: 'gin' | 'gist';
  column: IndexColumn;
  /** One statement where the index should win (few rows), one where it should not (many). */
  queries: Array<{ selectivity: 'high' | 'low'; sql: string }>;
}

const col = (column: string, opclass?: string): IndexColumn => ({ sql: column, column, ...(opclass ? { opclass } : {}) });

export const CASES: ModelCase[] = [
  {
    name: 'jsonb @> (jsonb_ops)',
    table: 'gm_docs',
    method: 'gin',
    column: col('attributes'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_docs WHERE attributes @> '{"sku": "sku-42"}'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_docs WHERE attributes @> '{"kind": "doc"}'` },
    ],
  },
  {
    name: 'jsonb @> (jsonb_path_ops)',
    table: 'gm_docs',
    method: 'gin',
    column: col('attributes', 'jsonb_path_ops'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_docs WHERE attributes @> '{"sku": "sku-42"}'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_docs WHERE attributes @> '{"color": "red"}'` },
    ],
  },
  {
    name: 'array &&',
    table: 'gm_tagged',
    method: 'gin',
    column: col('tags'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_tagged WHERE tags && '{17}'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_tagged WHERE tags && '{2001, 2002}'` },
    ],
  },
  {
    name: 'array @>',
    table: 'gm_tagged',
    method: 'gin',
    column: col('tags'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_tagged WHERE tags @> '{17, 2002}'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_tagged WHERE tags @> '{2000}'` },
    ],
  },
  {
    name: 'trigram ILIKE (gin_trgm_ops)',
    table: 'gm_names',
    method: 'gin',
    column: col('name', 'gin_trgm_ops'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_names WHERE name ILIKE '%abc12%'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_names WHERE name ILIKE '%item%'` },
    ],
  },
  {
    name: 'trigram % (gin_trgm_ops)',
    table: 'gm_names',
    method: 'gin',
    column: col('word', 'gin_trgm_ops'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_names WHERE word % 'raspberry 1234'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_names WHERE word % 'peach'` },
    ],
  },
  {
    name: 'full text @@',
    table: 'gm_articles',
    method: 'gin',
    column: col('tsv'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_articles WHERE tsv @@ to_tsquery('english', 'codec4ca4238a0b923820dcc509a6f75849b')` },
      { selectivity: 'low', sql: `SELECT id FROM gm_articles WHERE tsv @@ to_tsquery('english', 'budget')` },
    ],
  },
  {
    name: 'range && (GiST)',
    table: 'gm_bookings',
    method: 'gist',
    column: col('during'),
    queries: [
      { selectivity: 'high', sql: 'SELECT id FROM gm_bookings WHERE during && int4range(5000, 5100)' },
      { selectivity: 'low', sql: 'SELECT id FROM gm_bookings WHERE during && int4range(0, 400000)' },
    ],
  },
  {
    name: 'trigram % (gist_trgm_ops)',
    table: 'gm_names',
    method: 'gist',
    column: col('word', 'gist_trgm_ops'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_names WHERE word % 'raspberry 1234'` },
      { selectivity: 'low', sql: `SELECT id FROM gm_names WHERE word % 'peach'` },
    ],
  },
  {
    name: 'trigram KNN <-> LIMIT (gist_trgm_ops)',
    table: 'gm_names',
    method: 'gist',
    column: col('word', 'gist_trgm_ops'),
    queries: [
      { selectivity: 'high', sql: `SELECT id FROM gm_names ORDER BY word <-> 'raspberry 1234' LIMIT 10` },
      { selectivity: 'low', sql: `SELECT id FROM gm_names ORDER BY word <-> 'raspberry 1234' LIMIT 100000` },
    ],
  },
];

/**
 * Session settings under which the planner goes parallel on these 100,000-row tables (as it does by
 * default on big ones): the model must then price parallel scans and Gathers as the planner does.
 */
export const PARALLEL_SETTINGS = ['parallel_setup_cost = 10', 'parallel_tuple_cost = 0.001', 'min_parallel_table_scan_size = 0'];

export interface ModelRow {
  case: string;
  /** The server's default cost settings, or PARALLEL_SETTINGS. */
  plans: 'default' | 'parallel';
  selectivity: 'high' | 'low';
  sql: string;
  /** Plan cost without the index, and rows the planner expects from the table. */
  costBefore: number;
  rows: number;
  modelUses: boolean;
  /** The statement's modelled cost with the index (its cost before where the model says it is not used). */
  modelCost: number;
  realUses: boolean;
  realCost: number;
  modelBytes: number;
  realBytes: number;
  detail: string;
}

/** Runs every case on a database where SETUP_SQL has run (it runs it when gm_docs is missing). */
export async function runModelCases(
  client: pg.Client,
  cases: ModelCase[] = CASES,
  opts: { plans?: 'default' | 'parallel' } = {},
): Promise<ModelRow[]> {
  await ensureParser();
  const exists = await client.query(`SELECT to_regclass('gm_docs') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) await client.query(SETUP_SQL);
  const plans = opts.plans ?? 'default';
  if (plans === 'parallel') await client.query(PARALLEL_SETTINGS.map((x) => `SET ${x}`).join('; '));
  try {
    return await runCases(client, cases, plans);
  } finally {
    if (plans === 'parallel') await client.query(PARALLEL_SETTINGS.map((x) => `RESET ${x.split(' ')[0]}`).join('; '));
  }
}

async function runCases(client: pg.Client, cases: ModelCase[], plans: 'default' | 'parallel'): Promise<ModelRow[]> {
  const catalog = await readCatalog(client);
  const settings = await readCostSettings(client);
  const version = catalog.serverVersion;
  const coster = new PlanCoster(client, version);
  const rows: ModelRow[] = [];
  for (const [n, mc] of cases.entries()) {
    const table = findTable(catalog, 'public', mc.table)!;
    const base: Omit<IndexCandidate, 'key' | 'statementIds' | 'reasons'> = {
      schema: 'public',
      table: mc.table,
      method: mc.method,
      columns: [mc.column],
      include: [],
    };
    const candidate: IndexCandidate = { ...base, key: candidateKey(base), statementIds: [], reasons: [mc.name] };
    const shape = estimateIndexShape(candidate, table, settings);
    const lookup = (_s: string | undefined, t: string) => findTable(catalog, undefined, t)?.columns.map((c) => c.name);
    const before = [];
    for (const q of mc.queries) {
      const parsed = parseStatement({ id: q.sql, query: q.sql }, lookup);
      const plan = await coster.cost({ id: q.sql, explainText: parsed.explainText ?? q.sql, paramCount: 0 });
      if (!plan.ok) throw new Error(`${q.sql}: ${plan.error}`);
      before.push({ q, parsed, plan });
    }
    const name = `gm_idx_${n}`;
    await client.query(createIndexSql(candidate, { name }));
    try {
      const size = await client.query(`SELECT pg_relation_size('${name}')::float8 AS b`);
      for (const { q, parsed, plan } of before) {
        if (!plan.ok) continue;
        const v = modelStatement(candidate, parsed, plan, table, shape, settings, version);
        const real = await coster.cost({ id: q.sql, explainText: parsed.explainText ?? q.sql, paramCount: 0 });
        if (!real.ok) throw new Error(`${q.sql}: ${real.error}`);
        const scan = plan.scans.find((s) => s.relation === mc.table);
        rows.push({
          case: mc.name,
          plans,
          selectivity: q.selectivity,
          sql: q.sql,
          costBefore: plan.cost,
          // a parallel scan's rows are per process: the workers and the leader's share
          rows: (scan?.rows ?? 0) * (scan?.parallel && scan.gather ? scan.gather.workers + Math.max(0, 1 - 0.3 * scan.gather.workers) : 1),
          modelUses: v?.uses ?? false,
          modelCost: v?.uses ? v.cost : plan.cost,
          realUses: real.indexesUsed.includes(name),
          realCost: real.cost,
          modelBytes: shape.bytes,
          realBytes: Number(size.rows[0].b),
          detail: v ? `${v.detail}: path ${v.path.toFixed(1)}, replaced ${v.replaced.toFixed(1)}` : 'no verdict',
        });
      }
    } finally {
      await client.query(`DROP INDEX ${name}`);
    }
  }
  return rows;
}

/** Model within ±30 % (or 50 cost units, whichever is larger) of the real plan's cost. */
export const withinTolerance = (model: number, real: number) => Math.abs(model - real) <= Math.max(0.3 * real, 50);

export function resultsTable(rows: ModelRow[]): string {
  const out = [
    '| case | plans | selectivity | rows (planner) | cost without | model: used? | model cost | real: used? | real cost | model / real | size model / real |',
    '|---|---|---|---:|---:|---|---:|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ratio = r.realUses || r.modelUses ? `${((r.modelCost / r.realCost) * 100).toFixed(0)} %` : '–';
    out.push(
      `| ${r.case} | ${r.plans} | ${r.selectivity} | ${Math.round(r.rows)} | ${r.costBefore.toFixed(1)} | ${r.modelUses ? 'yes' : 'no'} | ${r.modelCost.toFixed(1)} | ` +
        `${r.realUses ? 'yes' : 'no'} | ${r.realCost.toFixed(1)} | ${ratio} | ${(r.modelBytes / 1e6).toFixed(2)} / ${(r.realBytes / 1e6).toFixed(2)} MB |`,
    );
  }
  return out.join('\n');
}
