// The log parsers (stderr, csvlog, jsonlog; log_min_duration_statement and auto_explain), the
// fingerprint match of a text with constants to its normalized statement, and what the parse stage
// makes of recovered constants (certain, seen, inferred).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchSamples } from '../../src/harvest/constants/align.js';
import { detectFormat, type LoggedStatement, parseCsvRecord, parseLog, parseParameters } from '../../src/harvest/constants/logParse.js';
import { readLogFile } from '../../src/harvest/constants/logSource.js';
import { stripCast } from '../../src/harvest/constants/qualstats.js';
import { assumedRangeBounds } from '../../src/parse/assumedRanges.js';
import { inferConstants } from '../../src/parse/infer.js';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import { recoveredText } from '../../src/report/markdown.js';
import type { Catalog, CatalogTable, WorkloadStatement } from '../../src/types.js';
import { catalogTable } from '../support/fixtures.js';

beforeAll(async () => {
  await ensureParser();
});

async function all(it: AsyncIterable<LoggedStatement>): Promise<LoggedStatement[]> {
  const out: LoggedStatement[] = [];
  for await (const s of it) out.push(s);
  return out;
}

const STDERR = [
  "2026-11-30 10:00:00.123 UTC [4242] app@shop LOG:  duration: 0.412 ms  statement: SELECT * FROM orders WHERE status = 'pending'",
  '2026-11-30 10:00:00.200 UTC [4243] app@shop LOG:  duration: 0.050 ms  parse <unnamed>: SELECT * FROM orders WHERE id = $1',
  '2026-11-30 10:00:00.201 UTC [4243] app@shop LOG:  duration: 0.020 ms  bind <unnamed>: SELECT * FROM orders WHERE id = $1',
  "2026-11-30 10:00:00.201 UTC [4243] app@shop DETAIL:  parameters: $1 = '7'",
  '2026-11-30 10:00:00.202 UTC [4243] app@shop LOG:  duration: 0.031 ms  execute <unnamed>: SELECT *',
  '\t  FROM orders',
  '\t WHERE status = $1 AND customer_id = $2',
  "2026-11-30 10:00:00.202 UTC [4243] app@shop DETAIL:  parameters: $1 = 'it''s', $2 = '42'",
  '2026-11-30 10:00:01.000 UTC [4244] app@shop ERROR:  relation "nope" does not exist at character 15',
  '2026-11-30 10:00:01.000 UTC [4244] app@shop STATEMENT:  SELECT * FROM nope',
  '2026-11-30 10:00:02.000 UTC [4245] app@shop LOG:  duration: 15.001 ms  plan:',
  "\tQuery Text: SELECT * FROM orders WHERE status = 'failed'",
  '\tSeq Scan on orders  (cost=0.00..35.50 rows=10 width=4) (actual time=0.011..0.012 rows=0 loops=1)',
  "\t  Filter: (status = 'failed'::text)",
  '2026-11-30 10:00:03.000 UTC [4246] app@shop LOG:  checkpoint starting: time',
];

describe('log parsers', () => {
  it('stderr: statements, execute with its bind parameters (multi-line), auto_explain text plans; not parse/bind, errors or other messages', async () => {
    expect(detectFormat(STDERR)).toBe('stderr');
    const got = await all(parseLog(STDERR, 'stderr'));
    expect(got).toEqual([
      { query: "SELECT * FROM orders WHERE status = 'pending'", durationMs: 0.412 },
      { query: 'SELECT *\n  FROM orders\n WHERE status = $1 AND customer_id = $2', params: ["'it''s'", "'42'"], durationMs: 0.031 },
      { query: "SELECT * FROM orders WHERE status = 'failed'", durationMs: 15.001 },
    ]);
  });

  it('csvlog: quoted fields with commas, quotes and newlines; the database name', async () => {
    const lines = [
      '2026-11-30 10:00:00.123 UTC,"app","shop",4242,"127.0.0.1:5000",6565f0a0.1092,1,"SELECT",2026-11-30 09:59:00 UTC,3/7,0,LOG,00000,' +
        '"duration: 0.301 ms  execute <unnamed>: SELECT * FROM orders',
      'WHERE status = $1","parameters: $1 = \'a,b ""c""\'",,,,,,,,"psql","client backend",,0',
      '2026-11-30 10:00:00.124 UTC,"app","other",4243,"127.0.0.1:5001",6565f0a0.1093,1,"SELECT",2026-11-30 09:59:00 UTC,3/8,0,LOG,00000,' +
        '"duration: 0.100 ms  statement: SELECT 1",,,,,,,,,"psql","client backend",,0',
    ];
    expect(detectFormat(lines)).toBe('csvlog');
    expect(parseCsvRecord('a,"b,""c""",,d')).toEqual(['a', 'b,"c"', '', 'd']);
    expect(await all(parseLog(lines, 'csvlog'))).toEqual([
      { query: 'SELECT * FROM orders\nWHERE status = $1', params: ['\'a,b "c"\''], durationMs: 0.301, database: 'shop' },
      { query: 'SELECT 1', durationMs: 0.1, database: 'other' },
    ]);
  });

  it('jsonlog: message and detail; auto_explain JSON plans', async () => {
    const lines = [
      JSON.stringify({
        timestamp: '2026-11-30 10:00:00.123 UTC',
        user: 'app',
        dbname: 'shop',
        pid: 4242,
        error_severity: 'LOG',
        message: 'duration: 0.2 ms  execute S_1: SELECT * FROM orders WHERE status = $1',
        detail: "parameters: $1 = 'pending'",
      }),
      JSON.stringify({
        dbname: 'shop',
        error_severity: 'LOG',
        message: `duration: 9.5 ms  plan:\n${JSON.stringify({ 'Query Text': 'SELECT * FROM orders WHERE id = 3', Plan: { 'Node Type': 'Seq Scan' } }, null, 2)}`,
      }),
      JSON.stringify({ dbname: 'shop', error_severity: 'ERROR', message: 'syntax error' }),
    ];
    expect(detectFormat(lines)).toBe('jsonlog');
    expect(await all(parseLog(lines, 'jsonlog'))).toEqual([
      { query: 'SELECT * FROM orders WHERE status = $1', params: ["'pending'"], durationMs: 0.2, database: 'shop' },
      { query: 'SELECT * FROM orders WHERE id = 3', durationMs: 9.5, database: 'shop' },
    ]);
  });

  it('stderr: auto_explain in JSON format, and Query Parameters (PostgreSQL 16+)', async () => {
    const lines = [
      '2026-11-30 10:00:02.000 UTC [4245] LOG:  duration: 15.001 ms  plan:',
      '\t{',
      '\t  "Query Text": "SELECT * FROM orders WHERE status = $1",',
      '\t  "Query Parameters": "$1 = \'failed\'",',
      '\t  "Plan": { "Node Type": "Seq Scan" }',
      '\t}',
      '2026-11-30 10:00:03.000 UTC [4245] LOG:  duration: 1.5 ms  plan:',
      '\tQuery Text: SELECT * FROM orders WHERE status = $1',
      "\tQuery Parameters: $1 = 'new'",
      '\tIndex Scan using orders_status on orders  (cost=0.29..8.31 rows=1 width=4)',
    ];
    expect(await all(parseLog(lines, 'stderr'))).toEqual([
      { query: 'SELECT * FROM orders WHERE status = $1', params: ["'failed'"], durationMs: 15.001 },
      { query: 'SELECT * FROM orders WHERE status = $1', params: ["'new'"], durationMs: 1.5 },
    ]);
  });

  it('parameters: NULL and values cut by log_parameter_max_length are not constants', () => {
    expect(parseParameters("parameters: $1 = NULL, $2 = 'abc'...")).toEqual([undefined, undefined]);
    expect(parseParameters("parameters: $1 = '1', $3 = 'x'")).toEqual(["'1'", undefined, "'x'"]);
    // PostgreSQL 16+ capitalizes the detail.
    expect(parseParameters("Parameters: $1 = 'pending'")).toEqual(["'pending'"]);
  });

  it('reads rotated and gzipped files, the format from the name or the first line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgia-log-'));
    writeFileSync(path.join(dir, 'postgresql.log.1.gz'), gzipSync(`${STDERR.join('\n')}\n`));
    const csv =
      '2026-11-30 10:00:00.123 UTC,"app","shop",4242,"127.0.0.1:5000",6565f0a0.1092,1,"SELECT",2026-11-30 09:59:00 UTC,3/7,0,LOG,00000,' +
      '"duration: 0.301 ms  statement: SELECT 2",,,,,,,,,"psql","client backend",,0\n';
    writeFileSync(path.join(dir, 'postgresql-Mon.csv'), csv);
    expect((await all(readLogFile(path.join(dir, 'postgresql.log.1.gz')))).map((s) => s.query)).toHaveLength(3);
    expect(await all(readLogFile(path.join(dir, 'postgresql-Mon.csv')))).toEqual([
      { query: 'SELECT 2', durationMs: 0.301, database: 'shop' },
    ]);
    await expect(all(readLogFile(path.join(dir, 'missing.log')))).rejects.toThrow(/ENOENT/);
  });
});

const stmt = (id: string, query: string): WorkloadStatement => ({
  id,
  query,
  calls: 10,
  totalExecMs: 1,
  meanExecMs: 0.1,
  rows: 10,
  sharedBlksHit: 0,
  sharedBlksRead: 0,
  source: 'pg_stat_statements',
});

describe('matching texts to normalized statements', () => {
  const statements = [
    stmt('1', 'SELECT * FROM orders WHERE status = $1 AND customer_id = $2 LIMIT $3'),
    stmt('2', 'SELECT * FROM orders WHERE id IN ($1, $2)'),
    stmt('3', 'SELECT * FROM orders WHERE created_at > date $1'),
  ];

  it('reads constants, bind parameters and typed literals off the text, by fingerprint', () => {
    const r = matchSamples(
      [
        { query: "select * from orders where status = 'pending' and customer_id = 42 limit 10", count: 1, source: 'log a' },
        {
          query: 'SELECT * FROM orders WHERE status = $1 AND customer_id = $2 LIMIT 5',
          params: ["'new'", "'7'"],
          count: 2,
          source: 'log a',
        },
        { query: "SELECT * FROM orders WHERE created_at > date '2026-01-01'", count: 1, source: 'pg_stat_activity' },
        { query: 'SELECT * FROM orders WHERE id IN (1, 2, 3)', count: 1, source: 'log a' },
        { query: 'SELECT * FROM customers WHERE id = 1', count: 1, source: 'log a' },
        { query: 'SELECT * FROM orders WHERE', count: 1, source: 'log a' },
      ],
      statements,
    );
    expect(r.matched).toBe(4);
    expect(r.unmatched).toBe(2);
    const of = (id: string) =>
      r.constants.filter((c) => c.statementId === id).map((c) => [c.constant.param, c.constant.value, c.constant.count]);
    expect(of('1')).toEqual([
      [1, "'pending'", 1],
      [2, '42', 1],
      [3, '10', 1],
      [1, "'new'", 2],
      [2, "'7'", 2],
      [3, '5', 2],
    ]);
    expect(of('3')).toEqual([[1, "'2026-01-01'", 1]]);
    expect(of('2')).toEqual([]); // an IN list of another length: same fingerprint, no position to read
  });
});

describe('recovered constants in the parse stage', () => {
  const lookup = () => ['id', 'status', 'customer_id'];
  const query = 'SELECT id FROM orders WHERE status = $1 AND customer_id = $2';
  const observed = (value: string, count: number, source = 'log x') => ({ param: 1, value, count, source });

  it('a value seen in every execution (at least 5) is certain: analyzed and costed as a literal', () => {
    const p = parseStatement(
      { id: 'q', query, constants: [observed("'pending'", 4), observed("'pending'", 3, 'pg_stat_activity')] },
      lookup,
    );
    expect(p.explainText).toMatch(/status = 'pending' AND customer_id = \$2/);
    expect(p.tables[0]!.predicates.find((x) => x.key.column === 'status')).toMatchObject({ constant: "'pending'" });
    expect(p.recovered).toEqual([{ param: 1, value: "'pending'", source: 'log x, pg_stat_activity', certain: true, seen: 7, share: 1 }]);
  });

  it('several values, or too few executions: reported with shares, the $n text is costed', () => {
    const p = parseStatement({ id: 'q', query, constants: [observed("'a'", 3), observed("'b'", 1)] }, lookup);
    expect(p.explainText).toMatch(/status = \$1/);
    expect(p.tables[0]!.predicates.find((x) => x.key.column === 'status')?.constant).toBeUndefined();
    expect(p.recovered).toEqual([
      { param: 1, value: "'a'", source: 'log x', certain: false, seen: 4, share: 0.75 },
      { param: 1, value: "'b'", source: 'log x', certain: false, seen: 4, share: 0.25 },
    ]);
    expect(parseStatement({ id: 'q', query, constants: [observed("'a'", 2)] }, lookup).recovered?.[0]?.certain).toBe(false);
  });

  it('pg_qualstats names the column: mapped to its $n; a value that is not a literal is ignored', () => {
    const column = { schema: 'public', table: 'orders', column: 'customer_id', operator: '=' };
    const p = parseStatement(
      {
        id: 'q',
        query,
        constants: [
          { column, value: '42', count: 9, source: 'pg_qualstats' },
          { param: 1, value: "'x') OR (1 = 1", count: 9, source: 'log x' },
        ],
      },
      lookup,
    );
    expect(p.explainText).toMatch(/status = \$1 AND customer_id = 42/);
    expect(p.recovered).toEqual([{ param: 2, value: '42', source: 'pg_qualstats', certain: true, seen: 9, share: 1 }]);
    expect(stripCast("'pending'::text")).toBe("'pending'");
    expect(stripCast('42::integer')).toBe('42');
  });

  it('pg_qualstats: an IN list from its array, BETWEEN bounds by operator, a column repeated in the arms of an OR', () => {
    const q =
      'SELECT 1 FROM lineitem WHERE (l_shipmode IN ($1, $2) AND l_qty BETWEEN $3 AND $4 AND l_mode = $5) ' +
      'OR (l_shipmode IN ($6, $7) AND l_mode = $8)';
    const col = (column: string, operator: string) => ({ schema: 'public', table: 'lineitem', column, operator });
    const p = parseStatement(
      {
        id: 'q',
        query: q,
        constants: [
          { column: col('l_shipmode', '='), value: stripCast(`'{AIR,"AIR REG"}'::bpchar[]`), count: 5, source: 'pg_qualstats' },
          { column: col('l_qty', '>='), value: '1', count: 5, source: 'pg_qualstats' },
          { column: col('l_qty', '<='), value: '11', count: 5, source: 'pg_qualstats' },
          // The arms were sent different values: each $n sees both, neither is certain.
          { column: col('l_mode', '='), value: "'a'", count: 5, source: 'pg_qualstats' },
          { column: col('l_mode', '='), value: "'b'", count: 5, source: 'pg_qualstats' },
        ],
      },
      () => ['l_shipmode', 'l_qty', 'l_mode'],
    );
    expect(p.explainText).toContain("l_shipmode IN ('AIR', 'AIR REG')");
    expect(p.explainText).toMatch(/l_qty BETWEEN 1 AND 11/);
    expect(p.explainText).toMatch(/l_mode = \$5/);
    const certain = (p.recovered ?? []).filter((r) => r.certain).map((r) => [r.param, r.value]);
    expect(certain).toEqual([
      [1, "'AIR'"],
      [2, "'AIR REG'"],
      [3, '1'],
      [4, '11'],
      [6, "'AIR'"],
      [7, "'AIR REG'"],
    ]);
    expect((p.recovered ?? []).filter((r) => r.param === 5).map((r) => [r.value, r.certain])).toEqual([
      ["'a'", false],
      ["'b'", false],
    ]);
  });

  it('pg_qualstats on a BETWEEN with a literal bound: the literal takes nothing, the expression bound takes its value', () => {
    const col = (operator: string) => ({ schema: 'public', table: 'lineitem', column: 'l_qty', operator });
    const p = parseStatement(
      {
        id: 'q',
        query: 'SELECT 1 FROM lineitem WHERE l_qty BETWEEN $1 - 1 AND 10',
        constants: [
          { column: col('>='), value: '4', count: 5, source: 'pg_qualstats' },
          { column: col('<='), value: '10', count: 5, source: 'pg_qualstats' },
        ],
      },
      () => ['l_qty'],
    );
    expect(p.explainText).toContain('l_qty BETWEEN 4 AND 10');
    expect((p.recovered ?? []).map((r) => [r.param, r.site, r.value])).toEqual([[1, 'lower bound of l_qty BETWEEN $1 - 1 AND 10', '4']]);
  });

  it('pg_qualstats: a folded expression (date $2 + interval $3 year, a BETWEEN bound $4 - $5) replaces the whole expression, never one $n', () => {
    const q =
      'SELECT sum(l_price) FROM lineitem WHERE l_shipdate >= date $1 AND l_shipdate < date $2 + interval $3 year ' +
      'AND l_discount BETWEEN $4 - $5 AND $6 AND l_qty < $7 * 2';
    const col = (column: string, operator: string) => ({ schema: 'public', table: 'lineitem', column, operator });
    const seen = (column: string, operator: string, value: string, count = 5) => ({
      column: col(column, operator),
      value,
      count,
      source: 'pg_qualstats',
    });
    const p = parseStatement(
      {
        id: 'q',
        query: q,
        constants: [
          seen('l_shipdate', '>=', "'1994-01-01'"),
          seen('l_shipdate', '<', "'1995-01-01 00:00:00'"),
          seen('l_discount', '>=', '0.05'),
          seen('l_discount', '<=', '0.07'),
          // Seen in too few executions: reported, not certain, the expression stays.
          seen('l_qty', '<', '48', 2),
        ],
      },
      () => ['l_price', 'l_shipdate', 'l_discount', 'l_qty'],
    );
    expect(p.explainText).toContain("l_shipdate >= '1994-01-01'");
    expect(p.explainText).toContain("l_shipdate < '1995-01-01 00:00:00'");
    expect(p.explainText).toContain('l_discount BETWEEN 0.05 AND 0.07');
    expect(p.explainText).toContain('l_qty < ($7 * 2)');
    expect(p.explainText).not.toMatch(/interval/);
    const sites = (p.recovered ?? []).filter((r) => r.site).map((r) => [r.param, r.site, r.value, r.certain]);
    expect(sites).toEqual([
      [2, 'CAST($2 AS date) + CAST($3 AS interval year)', "'1995-01-01 00:00:00'", true],
      [4, 'lower bound of l_discount BETWEEN $4 - $5 AND $6', '0.05', true],
      [7, '$7 * 2', '48', false],
    ]);
    // The folded value is no $n's: $3, $5 and $7 get none, and the bare upper bound $6 gets its own.
    const params = (p.recovered ?? []).filter((r) => !r.site).map((r) => [r.param, r.value]);
    expect(params).toEqual([
      [1, "'1994-01-01'"],
      [6, '0.07'],
    ]);
    // The analysis sees the constants too: a range on a literal, which a partial index could use.
    const shipdate = p.tables[0]!.predicates.filter((x) => x.key.column === 'l_shipdate');
    expect(shipdate.map((x) => x.constant)).toEqual(["'1994-01-01'", "'1995-01-01 00:00:00'"]);
    expect(recoveredText((p.recovered ?? []).find((r) => r.site)!)).toMatch(
      /^the bound CAST\(\$2 AS date\) \+ CAST\(\$3 AS interval year\) \(folded by the planner\) taken as/,
    );
  });

  it('an inferred value: candidates see the literal, the $n text is costed', () => {
    const p = parseStatement({ id: 'q', query }, lookup, { inferred: [{ param: 1, value: "'rare'", why: 'rows per call' }] });
    expect(p.explainText).toMatch(/status = \$1/);
    expect(p.tables[0]!.predicates.find((x) => x.key.column === 'status')).toMatchObject({ constant: "'rare'" });
    expect(p.recovered).toEqual([{ param: 1, value: "'rare'", source: 'inferred', certain: false, inferred: 'rows per call' }]);
  });
});

describe('inference from rows per call', () => {
  const jobs: CatalogTable = {
    schema: 'public',
    name: 'jobs',
    oid: 1,
    relkind: 'r',
    extensionOwned: false,
    rows: 200000,
    bytes: 0,
    columns: [
      { name: 'id', type: 'integer', notNull: true, stats: { nullFrac: 0, nDistinct: -1, avgWidth: 4 } },
      {
        name: 'status',
        type: 'text',
        notNull: true,
        stats: {
          nullFrac: 0,
          nDistinct: 4,
          avgWidth: 5,
          mostCommonVals: ['done', 'failed', 'running', 'pending'],
          mostCommonFreqs: [0.95, 0.03, 0.015, 0.005],
        },
      },
    ],
    indexes: [],
    writes: { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0 },
    seqScans: 0,
    idxScans: 0,
  };
  const catalog: Catalog = { serverVersion: 15, searchPath: ['public'], tables: [jobs], extensions: {} };
  const lookup = () => ['id', 'status'];
  const infer = (query: string, rows: number, calls = 10) => {
    const s = { ...stmt('q', query), rows, calls };
    return inferConstants(parseStatement(s, lookup), s, catalog);
  };

  it('names the one value whose frequency × rows matches the rows per call', () => {
    expect(infer('SELECT id FROM jobs WHERE status = $1', 10 * 1010)).toEqual([
      { param: 1, value: "'pending'", why: expect.stringMatching(/^1010 rows per call .* 0\.5 % of 200000 rows \(1000\)/) },
    ]);
    expect(infer('UPDATE jobs SET id = id WHERE status = $1', 10 * 6000)).toEqual([expect.objectContaining({ value: "'failed'" })]);
  });

  it('says nothing when no value matches, or when the rows per call are not the rows the condition keeps', () => {
    expect(infer('SELECT id FROM jobs WHERE status = $1', 10 * 2000)).toEqual([]); // between running and pending
    expect(infer('SELECT count(*) FROM jobs WHERE status = $1', 10 * 1000)).toEqual([]);
    expect(infer('SELECT DISTINCT id FROM jobs WHERE status = $1', 10 * 1000)).toEqual([]);
    expect(infer('SELECT id FROM jobs WHERE status = $1 LIMIT $2', 10 * 1000)).toEqual([]);
    expect(infer('SELECT id FROM jobs WHERE status = $1 AND id > $2', 10 * 1000)).toEqual([]);
    expect(infer('SELECT id FROM jobs WHERE id = $1', 10)).toEqual([]); // no most common values
  });

  it('a value a source saw is not inferred', () => {
    const s = {
      ...stmt('q', 'SELECT id FROM jobs WHERE status = $1'),
      rows: 10 * 1000,
      constants: [{ param: 1, value: "'done'", count: 1, source: 'x' }],
    };
    expect(inferConstants(parseStatement(s, lookup), s, catalog)).toEqual([]);
  });
});

describe('assumed range bounds (two bounds no source saw)', () => {
  const days = Array.from({ length: 101 }, (_, i) => new Date(Date.UTC(2023, 0, 1) + i * 7 * 86400e3).toISOString().slice(0, 10));
  const events = catalogTable('public', 'events', {
    rows: 200000,
    columns: [
      { name: 'id', type: 'integer', notNull: true, stats: { nullFrac: 0, nDistinct: -1, avgWidth: 4, histogramBounds: ['1', '2'] } },
      { name: 'created', type: 'date', notNull: true, stats: { nullFrac: 0, nDistinct: 700, avgWidth: 4, histogramBounds: days } },
      { name: 'amount', type: 'numeric', notNull: true, stats: { nullFrac: 0, nDistinct: 97, avgWidth: 4 } },
      {
        name: 'discount',
        type: 'numeric',
        notNull: true,
        // Eleven values, all of them most common (as TPC-H's l_discount), out of order as pg_stats lists them.
        stats: {
          nullFrac: 0,
          nDistinct: 11,
          avgWidth: 4,
          mostCommonVals: ['0.05', '0.1', '0', '0.02', '0.01', '0.03', '0.04', '0.06', '0.07', '0.08', '0.09'],
          mostCommonFreqs: Array(11).fill(1 / 11),
        },
      },
    ],
  });
  const catalog: Catalog = { serverVersion: 15, searchPath: ['public'], tables: [events], extensions: {} };
  const lookup = () => ['id', 'created', 'amount', 'discount'];
  const assume = (query: string, constants?: WorkloadStatement['constants']) => {
    const s = { ...stmt('q', query), ...(constants ? { constants } : {}) };
    const parsed = parseStatement(s, lookup);
    const assumed = assumedRangeBounds(parsed, catalog);
    return { assumed, final: parseStatement(s, lookup, { assumed }) };
  };
  const lo = `'${days[45]}'`;
  const hi = `'${days[55]}'`;

  it('a pair of bounds, a BETWEEN, or a bound that is an expression: costed with a tenth of the histogram', () => {
    const pair = assume('SELECT sum(amount) FROM events WHERE created >= $1 AND created < $2');
    expect(pair.assumed.map((a) => [a.param, a.value])).toEqual([
      [1, lo],
      [2, hi],
    ]);
    expect(pair.final.explainText).toContain(`created >= ${lo} AND created < ${hi}`);
    // Candidates still see the parameters: an assumed value never becomes an index's WHERE.
    expect(pair.final.tables[0]!.predicates.filter((p) => p.key.column === 'created').map((p) => p.params)).toEqual([[1], [2]]);
    expect(pair.final.recovered).toEqual([
      expect.objectContaining({
        param: 1,
        value: lo,
        source: 'assumed',
        certain: false,
        assumed: expect.stringMatching(/10 % of the rows/),
      }),
      expect.objectContaining({ param: 2, value: hi, source: 'assumed' }),
    ]);
    expect(recoveredText(pair.final.recovered![0]!)).toMatch(/^\$1 costed as '2023-.*' \(assumed: two bounds on created/);

    const between = assume('SELECT sum(amount) FROM events WHERE created BETWEEN $1 AND $2');
    expect(between.final.explainText).toContain(`created BETWEEN ${lo} AND ${hi}`);
    const expression = assume('SELECT sum(amount) FROM events WHERE created >= date $1 AND created < date $2 + interval $3 month');
    expect(expression.final.explainText).toContain(`created < ${hi}`);
    expect(expression.final.explainText).not.toMatch(/interval/);
    expect(expression.assumed[1]).toMatchObject({ site: { text: 'CAST($2 AS date) + CAST($3 AS interval month)' } });
  });

  it('a column whose most common values are all of it: the run of them around the middle that reaches a tenth', () => {
    // Sorted as numbers: 0, 0.01, …, 0.1; the middle is 0.05, and two values (18 %) reach a tenth.
    const between = assume('SELECT sum(amount) FROM events WHERE discount BETWEEN $1 AND $2');
    expect(between.final.explainText).toContain("discount BETWEEN '0.05' AND '0.06'");
    expect(between.assumed[0]!.why).toMatch(/keep 18 % of the rows \(pg_stats' most common values\)/);
    // Strict bounds name the values just outside the run, so that it is kept, not emptied.
    const strict = assume('SELECT sum(amount) FROM events WHERE discount > $1 AND discount < $2');
    expect(strict.final.explainText).toContain("discount > '0.04' AND discount < '0.07'");
  });

  it('a BETWEEN with one literal bound: only the parameter is assumed, the literal stays', () => {
    const half = assume("SELECT sum(amount) FROM events WHERE created BETWEEN $1 AND '2024-12-31'");
    expect(half.assumed.map((a) => [a.param, a.value])).toEqual([[1, lo]]);
    expect(half.final.explainText).toContain(`created BETWEEN ${lo} AND '2024-12-31'`);
  });

  it('one bound, a bound a source saw, an OR arm, or a column without a histogram: the generic plan', () => {
    expect(assume('SELECT sum(amount) FROM events WHERE created >= $1').assumed).toEqual([]);
    expect(assume('SELECT sum(amount) FROM events WHERE id >= $1 AND id < $2').assumed).toEqual([]);
    expect(assume('SELECT sum(amount) FROM events WHERE amount >= $1 AND amount < $2').assumed).toEqual([]);
    const seen = assume('SELECT sum(amount) FROM events WHERE created >= $1 AND created < $2', [
      { param: 1, value: "'2023-06-01'", count: 1, source: 'log x' },
    ]);
    expect(seen.assumed).toEqual([]);
    expect(seen.final.explainText).toMatch(/created < \$2/);
    expect(
      assume('SELECT 1 FROM events WHERE (created >= $1 AND created < $2 AND id = $3) OR (created >= $4 AND created < $5 AND id = $6)')
        .assumed,
    ).toEqual([]);
  });
});

describe('the report says where each value came from', () => {
  it('certain, seen, inferred, and the server default', () => {
    expect(recoveredText({ param: 1, value: "'a'", source: 'pg_qualstats', certain: true, seen: 40, share: 1 })).toBe(
      "$1 taken as 'a': the value of every one of 40 executions seen (pg_qualstats); costed with it",
    );
    expect(recoveredText({ param: 2, value: "'b'", source: 'log x', certain: false, seen: 4, share: 0.75 })).toBe(
      "$2 was 'b' in 75 % of 4 executions seen (log x); its generic plan is costed",
    );
    expect(recoveredText({ param: 1, value: "'c'", source: 'inferred', certain: false, inferred: 'rows per call' })).toBe(
      "$1 is likely 'c' (inferred: rows per call); not seen, so its generic plan is costed",
    );
    expect(recoveredText({ param: 2, value: "'english'", source: 'default_text_search_config', certain: true })).toMatch(
      /taken as 'english' \(from default_text_search_config\)/,
    );
  });
});
