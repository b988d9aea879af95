// Load a sample workload (workloads/<name>/schema.sql + data.sql) into a throwaway database and
// replay its query mix (queries.json) so pg_stat_statements fills up with normalized `$n` texts.
//
// Replay rules:
// - Every statement is sent with the extended protocol (`client.query(sql, params)`), so
//   pg_stat_statements records the same normalized text an application would produce.
// - The calls of all statements are shuffled together (deterministically, from the seed), so the
//   statements interleave like an application's traffic.
// - Writes (INSERT/UPDATE/DELETE/MERGE) run as `BEGIN; <statement>; ROLLBACK`: the data keeps its
//   size and shape however often the workload is replayed. pg_stat_statements counts a statement
//   when its execution finishes, so a write that is rolled back afterwards is still recorded.
//   Each write gets its own short transaction (instead of one long transaction with a SAVEPOINT
//   per statement) so concurrent replay connections never hold row locks for long or deadlock,
//   and pg_stat_statements is not flooded with SAVEPOINT/RELEASE entries.
// - A statement that fails is reported in `failed` (once per statement name, with the first
//   error) and the replay goes on.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPrng, type Prng } from './prng.js';

export type WorkloadCategory = 'btree-needed' | 'no-index' | 'already-indexed' | 'expression' | 'partial' | 'gin' | 'brin' | 'write';

export const WORKLOAD_CATEGORIES: readonly WorkloadCategory[] = [
  'btree-needed',
  'no-index',
  'already-indexed',
  'expression',
  'partial',
  'gin',
  'brin',
  'write',
];

/**
 * How one `$n` value is generated:
 * - `{ int: [min, max] }` uniform integer, both ends inclusive;
 * - `{ pick: [v1, v2, ...] }` one of the values as it is (a JSON object is sent as JSON text,
 *   a JSON array as a PostgreSQL array);
 * - `{ text: "cust{int:1:100000}@example.com" }` template with embedded `{int:min:max}` and
 *   `{pick:a|b|c}` parts;
 * - `{ timestamp: { daysAgo: [min, max] } }` the workload's anchor minus a uniform number of
 *   days (fractional), as an ISO-8601 string;
 * - `{ literal: value }` always that value.
 */
export type ParamGenerator =
  | { int: [number, number] }
  | { pick: unknown[] }
  | { text: string }
  | { timestamp: { daysAgo: [number, number] } }
  | { literal: unknown };

/**
 * An index the advisor is expected to recommend for a statement (see queries.json): a
 * recommendation on `table` matching any one of the shapes, the first being the preferred one.
 */
export interface ExpectedIndex {
  table: string;
  anyOf: ExpectedIndexShape[];
}

export interface ExpectedIndexShape {
  /** Acceptable access methods. */
  methods: string[];
  /** The recommended key must start with these columns / expressions (unquoted names). */
  leading: string[];
  /** Predicate of the expected partial index (absent: not partial). */
  where?: string;
}

export interface WorkloadQuery {
  name: string;
  category: WorkloadCategory;
  sql: string;
  params: ParamGenerator[];
  /** Executions per replay round. */
  calls: number;
  /** Expected advice, in words. */
  expect: string;
  /** Expected advice, machine-readable: [] when no new index should be recommended. */
  indexes: ExpectedIndex[];
}

export interface WorkloadDefinition {
  description?: string;
  /** Reference time of the data and of `{timestamp: {daysAgo}}` parameters. */
  anchor: Date;
  statements: WorkloadQuery[];
}

export interface ReplayOptions {
  /** How many times the whole mix is replayed (default 1). */
  rounds?: number;
  /** PRNG seed for the order of the calls and their parameters (default 42). */
  seed?: number;
  /** Connections to replay on (default 1). Extra connections copy the given client's settings. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Multiplies every statement's `calls` (at least one call each; default 1). For quick tests. */
  scale?: number;
}

export interface ReplayResult {
  executed: number;
  failed: Array<{ name: string; error: string }>;
}

const DEFAULT_ANCHOR = '2025-06-01T00:00:00Z';

/** Reads and checks `<dir>/queries.json`. */
export function readWorkload(dir: string): WorkloadDefinition {
  const file = join(dir, 'queries.json');
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(raw) || !Array.isArray(raw.statements)) {
    throw new Error(`${file}: expected an object with a "statements" array`);
  }
  const anchorText = typeof raw.anchor === 'string' ? raw.anchor : DEFAULT_ANCHOR;
  const anchor = new Date(anchorText);
  if (Number.isNaN(anchor.getTime())) throw new Error(`${file}: bad anchor ${JSON.stringify(raw.anchor)}`);
  const seen = new Set<string>();
  const statements = raw.statements.map((s: unknown, i: number) => {
    const q = checkStatement(s, `${file}: statements[${i}]`);
    if (seen.has(q.name)) throw new Error(`${file}: duplicate statement name ${q.name}`);
    seen.add(q.name);
    return q;
  });
  const def: WorkloadDefinition = { anchor, statements };
  if (typeof raw.description === 'string') def.description = raw.description;
  return def;
}

/** The typed statement list of `<dir>/queries.json`. */
export function readQueries(dir: string): WorkloadQuery[] {
  return readWorkload(dir).statements;
}

/**
 * Runs `<dir>/schema.sql` then `<dir>/data.sql` (each as one multi-statement query, so each runs
 * in one transaction and data.sql's `setseed` governs all its `random()` calls), then
 * `VACUUM ANALYZE` outside any transaction: the visibility map is set and the statistics are
 * final when this resolves, instead of whenever autovacuum/autoanalyze get to the new tables
 * (which would change index-only-scan costs and re-sample the statistics under a running test).
 */
export async function loadWorkload(client: pg.Client, dir: string): Promise<void> {
  for (const name of ['schema.sql', 'data.sql']) {
    const sql = readFileSync(join(dir, name), 'utf8');
    try {
      await client.query(sql);
    } catch (err) {
      throw new Error(`loading ${join(dir, name)} failed: ${errorMessage(err)}`, { cause: err });
    }
  }
  await client.query('VACUUM ANALYZE');
}

/** Values for one execution of `q`. */
export function generateParams(q: WorkloadQuery, prng: Prng, anchor: Date): unknown[] {
  return q.params.map((g) => generateValue(g, prng, anchor));
}

/**
 * Replays the workload of `<dir>/queries.json` against the loaded data; see the notes at the top
 * of this file. Resolves when every call has run; only a lost connection rejects.
 */
export async function replayWorkload(client: pg.Client, dir: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const def = readWorkload(dir);
  const rounds = Math.max(1, Math.floor(opts.rounds ?? 1));
  const scale = opts.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`scale must be > 0, got ${scale}`);
  const prng = createPrng(opts.seed ?? 42);

  // The whole schedule (order and values) is fixed up front, so it does not depend on timing.
  const schedule: Array<{ q: WorkloadQuery; write: boolean; values: unknown[] }> = [];
  for (let r = 0; r < rounds; r++) {
    const round: WorkloadQuery[] = [];
    for (const q of def.statements) {
      const n = q.calls > 0 ? Math.max(1, Math.round(q.calls * scale)) : 0;
      for (let i = 0; i < n; i++) round.push(q);
    }
    prng.shuffle(round);
    for (const q of round) {
      schedule.push({ q, write: isWrite(q.sql), values: generateParams(q, prng, def.anchor) });
    }
  }

  const total = schedule.length;
  const failures = new Map<string, string>();
  let executed = 0;
  let done = 0;
  let nextIndex = 0;
  let aborted = false;

  const worker = async (c: pg.Client): Promise<void> => {
    while (!aborted) {
      const item = schedule[nextIndex++];
      if (item === undefined) return;
      try {
        if (item.write) {
          await c.query('BEGIN');
          try {
            await c.query(item.q.sql, item.values);
          } finally {
            await c.query('ROLLBACK');
          }
        } else {
          await c.query(item.q.sql, item.values);
        }
        executed++;
      } catch (err) {
        if (isConnectionError(err)) {
          aborted = true; // the other connections stop too
          throw err;
        }
        if (!failures.has(item.q.name)) failures.set(item.q.name, errorMessage(err));
      }
      done++;
      opts.onProgress?.(done, total);
    }
  };

  const extra: pg.Client[] = [];
  try {
    const want = Math.min(Math.max(1, Math.floor(opts.concurrency ?? 1)), Math.max(1, total));
    for (let i = 1; i < want; i++) {
      const c = new pg.Client(cloneConfig(client));
      c.on('error', () => {
        // reported by the query that fails
      });
      await c.connect();
      extra.push(c);
    }
    await Promise.all([client, ...extra].map((c) => worker(c)));
  } finally {
    await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
  }

  return { executed, failed: [...failures].map(([name, error]) => ({ name, error })) };
}

// ---------------------------------------------------------------------------------------------

function generateValue(g: ParamGenerator, prng: Prng, anchor: Date): unknown {
  if ('int' in g) return prng.int(g.int[0], g.int[1]);
  if ('pick' in g) return prng.pick(g.pick);
  if ('text' in g) return expandTemplate(g.text, prng);
  if ('timestamp' in g) {
    const [lo, hi] = g.timestamp.daysAgo;
    const days = lo + prng.next() * (hi - lo);
    return new Date(anchor.getTime() - Math.round(days * 86_400_000)).toISOString();
  }
  return g.literal;
}

function expandTemplate(template: string, prng: Prng): string {
  return template.replace(/\{(int|pick):([^}]*)\}/g, (_m, kind: string, arg: string) => {
    if (kind === 'int') {
      const m = /^(-?\d+):(-?\d+)$/.exec(arg);
      if (!m) throw new Error(`bad template part {int:${arg}} (want {int:min:max})`);
      return String(prng.int(Number(m[1]), Number(m[2])));
    }
    return prng.pick(arg.split('|'));
  });
}

/** True for INSERT/UPDATE/DELETE/MERGE, also inside a WITH (literals and comments ignored). */
export function isWrite(sql: string): boolean {
  const code = sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ');
  if (/^[\s(]*(insert|update|delete|merge)\b/i.test(code)) return true;
  return /^[\s(]*with\b/i.test(code) && /\b(insert|update|delete|merge)\b/i.test(code);
}

function checkStatement(s: unknown, where: string): WorkloadQuery {
  if (!isObject(s)) throw new Error(`${where}: expected an object`);
  const { name, sql, params, calls, expect, category, indexes } = s;
  if (typeof name !== 'string' || name === '') throw new Error(`${where}: "name" must be a non-empty string`);
  const at = `${where} (${name})`;
  if (typeof sql !== 'string' || sql.trim() === '') throw new Error(`${at}: "sql" must be a non-empty string`);
  if (typeof calls !== 'number' || !Number.isInteger(calls) || calls < 0) {
    throw new Error(`${at}: "calls" must be a non-negative integer`);
  }
  if (typeof expect !== 'string') throw new Error(`${at}: "expect" must be a string`);
  if (typeof category !== 'string' || !(WORKLOAD_CATEGORIES as readonly string[]).includes(category)) {
    throw new Error(`${at}: "category" must be one of ${WORKLOAD_CATEGORIES.join(', ')}`);
  }
  const list = params === undefined ? [] : params;
  if (!Array.isArray(list)) throw new Error(`${at}: "params" must be an array`);
  const gens = list.map((p: unknown, i: number) => checkGenerator(p, `${at}: params[${i}]`));
  const expected = indexes === undefined ? [] : indexes;
  if (!Array.isArray(expected)) throw new Error(`${at}: "indexes" must be an array`);
  return {
    name,
    category: category as WorkloadCategory,
    sql,
    params: gens,
    calls,
    expect,
    indexes: expected.map((x: unknown, i: number) => checkExpectedIndex(x, `${at}: indexes[${i}]`)),
  };
}

function checkGenerator(p: unknown, where: string): ParamGenerator {
  if (!isObject(p) || Object.keys(p).length !== 1) {
    throw new Error(`${where}: expected one of {int}, {pick}, {text}, {timestamp}, {literal}`);
  }
  if ('int' in p) {
    const r = numberPair(p.int);
    if (!r || !Number.isInteger(r[0]) || !Number.isInteger(r[1])) {
      throw new Error(`${where}: {"int": [min, max]} wants two integers, min <= max`);
    }
    return { int: r };
  }
  if ('pick' in p) {
    if (!Array.isArray(p.pick) || p.pick.length === 0) throw new Error(`${where}: {"pick": [...]} wants a non-empty array`);
    return { pick: p.pick };
  }
  if ('text' in p) {
    if (typeof p.text !== 'string') throw new Error(`${where}: {"text": ...} wants a string template`);
    return { text: p.text };
  }
  if ('timestamp' in p) {
    const t = p.timestamp;
    const r = isObject(t) ? numberPair(t.daysAgo) : undefined;
    if (!r) throw new Error(`${where}: {"timestamp": {"daysAgo": [min, max]}} wants two numbers, min <= max`);
    return { timestamp: { daysAgo: r } };
  }
  if ('literal' in p) return { literal: p.literal };
  throw new Error(`${where}: unknown generator ${JSON.stringify(p)}`);
}

function checkExpectedIndex(x: unknown, where: string): ExpectedIndex {
  if (!isObject(x) || typeof x.table !== 'string' || !Array.isArray(x.anyOf) || x.anyOf.length === 0) {
    throw new Error(`${where}: expected {table, anyOf: [{methods: string[], leading: string[], where?}, ...]}`);
  }
  const anyOf = x.anyOf.map((y: unknown, i: number): ExpectedIndexShape => {
    if (!isObject(y) || !isStringArray(y.methods) || !isStringArray(y.leading) || (y.where !== undefined && typeof y.where !== 'string')) {
      throw new Error(`${where}.anyOf[${i}]: expected {methods: string[], leading: string[], where?: string}`);
    }
    const shape: ExpectedIndexShape = { methods: y.methods, leading: y.leading };
    if (typeof y.where === 'string') shape.where = y.where;
    return shape;
  });
  return { table: x.table, anyOf };
}

function cloneConfig(client: pg.Client): pg.ClientConfig {
  const cp = (client as unknown as { connectionParameters?: Record<string, unknown> }).connectionParameters ?? {};
  const config: pg.ClientConfig = {
    host: client.host,
    port: client.port,
    user: client.user,
    database: client.database,
    password: client.password,
  };
  if (cp.ssl) config.ssl = cp.ssl as pg.ClientConfig['ssl'];
  if (typeof cp.options === 'string') config.options = cp.options;
  if (typeof cp.application_name === 'string') config.application_name = cp.application_name;
  return config;
}

function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(08|57P0)/.test(code)) return true;
  return /Connection terminated|Client has encountered a connection error|ECONNRESET|EPIPE/.test(err.message);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function numberPair(x: unknown): [number, number] | undefined {
  if (!Array.isArray(x) || x.length !== 2) return undefined;
  const [a, b]: unknown[] = x;
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || a > b) {
    return undefined;
  }
  return [a, b];
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'string');
}
