// Speed benchmark: a synthetic schema of 50 tables (dozens of columns of mixed selectivity, 10k to
// 200k rows each, some foreign keys already indexed) and workloads of 100, 1,000 and 5,000
// structurally distinct statements (distinct libpg-query fingerprints) with skewed call counts,
// each advised by `advise()` with `concurrency: 2`.
//
// Each advise() runs in a child process of its own, so that its peak memory (sampled RSS and
// `process.resourceUsage().maxRSS`) is its own; the server's CPU time is read from the postmaster's
// /proc entry (its reaped children's times), so the report can say where the wall time went:
// advisor CPU, server CPU (planning under hypopg), or waiting.
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprintSync, loadModule } from 'libpg-query';
import pg from 'pg';
import { advise } from '../src/advise.js';
import { ensureParser } from '../src/parse/parser.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../tools/cluster/cluster.js';
import { mulberry32 } from '../tools/demo/prng.js';
import {
  fmtInt,
  fmtS,
  isRound,
  log,
  MemorySampler,
  machine,
  machineLine,
  mdRow,
  StageRecorder,
  type StageTiming,
  summarizeStages,
  updateResults,
} from './common.js';
import { serverVersions } from './tpch.js';

// ---- deterministic random numbers --------------------------------------------------------------

export class Rng {
  private readonly float: () => number;
  constructor(seed: number) {
    this.float = mulberry32(seed);
  }
  next(): number {
    return this.float();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** k distinct elements. */
  sample<T>(xs: readonly T[], k: number): T[] {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, Math.min(k, copy.length));
  }
  /** Index in [0, n) with weight 1/(i+1)^s (Zipf). */
  zipf(n: number, s: number): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += 1 / (i + 1) ** s;
    let r = this.next() * total;
    for (let i = 0; i < n; i++) {
      r -= 1 / (i + 1) ** s;
      if (r <= 0) return i;
    }
    return n - 1;
  }
}

// ---- schema ------------------------------------------------------------------------------------

type ColType = 'int' | 'bigint' | 'text' | 'ts' | 'date' | 'num' | 'bool' | 'float';

interface Column {
  name: string;
  type: ColType;
  /** SQL type in CREATE TABLE. */
  sqlType: string;
  /** Expression over `i` (the row number) that generates the column. */
  gen: string;
  /** Distinct values (for literals) where it is a small integer domain. */
  card?: number;
  /** Literal values to draw from (text enums). */
  values?: string[];
  /** Foreign key to this table. */
  references?: string;
  nullable?: boolean;
  /** Filterable in WHERE (false for padding). */
  filter: boolean;
}

export interface Table {
  name: string;
  rows: number;
  columns: Column[];
  /** Foreign-key columns and the table they point to. */
  fks: Array<{ column: string; parent: string }>;
  /** Columns with an index already (besides the primary key). */
  indexed: string[];
}

const STATUS = ['active', 'active', 'active', 'active', 'active', 'pending', 'pending', 'closed', 'failed', 'archived'];
const CARDS = [2, 3, 5, 10, 20, 50, 100, 500, 1000, 5000, 20000, 100000, 1000000];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CN', 'ES', 'IT', 'NL', 'SE', 'PL', 'CA', 'AU', 'MX'];

export function makeSchema(nTables: number, rng: Rng): Table[] {
  const tables: Table[] = [];
  for (let t = 0; t < nTables; t++) {
    const name = `t${String(t + 1).padStart(2, '0')}`;
    // Log-uniform between 10k and 200k rows.
    const rows = Math.round(10_000 * 20 ** rng.next());
    tables.push({ name, rows, columns: [], fks: [], indexed: [] });
  }
  for (const [t, table] of tables.entries()) {
    const cols: Column[] = [{ name: 'id', type: 'bigint', sqlType: 'bigint NOT NULL', gen: 'i', filter: true }];
    // Foreign keys: 1 to 4 other tables (earlier ones more often, as parents tend to be).
    const nFk = t === 0 ? 0 : rng.int(1, Math.min(4, t));
    for (const parent of rng.sample(tables.slice(0, t), nFk)) {
      const column = `${parent.name}_id`;
      cols.push({
        name: column,
        type: 'bigint',
        sqlType: 'bigint NOT NULL',
        gen: `1 + floor(random() * ${parent.rows})::bigint`,
        references: parent.name,
        filter: true,
      });
      table.fks.push({ column, parent: parent.name });
      // A third of the foreign keys are indexed already, as in a real schema.
      if (rng.chance(0.33)) table.indexed.push(column);
    }
    cols.push({
      name: 'status',
      type: 'text',
      sqlType: 'text NOT NULL',
      gen: `(ARRAY[${STATUS.map((s) => `'${s}'`).join(',')}])[1 + floor(random() * ${STATUS.length})::int]`,
      values: [...new Set(STATUS)],
      filter: true,
    });
    cols.push({
      name: 'created_at',
      type: 'ts',
      sqlType: 'timestamptz NOT NULL',
      gen: `timestamptz '2020-01-01' + i * interval '${Math.max(1, Math.round((4 * 365 * 86400) / table.rows))} seconds'`,
      filter: true,
    });
    cols.push({
      name: 'updated_at',
      type: 'ts',
      sqlType: 'timestamptz',
      gen: `timestamptz '2020-01-01' + random() * interval '1460 days'`,
      filter: true,
    });
    cols.push({ name: 'amount', type: 'num', sqlType: 'double precision', gen: `floor(random() * 1000000) / 100`, filter: true });
    cols.push({ name: 'flag', type: 'bool', sqlType: 'boolean NOT NULL', gen: `random() < 0.08`, filter: true });
    cols.push({
      name: 'deleted_at',
      type: 'ts',
      sqlType: 'timestamptz',
      gen: `CASE WHEN random() < 0.04 THEN timestamptz '2023-01-01' + random() * interval '300 days' END`,
      nullable: true,
      filter: true,
    });
    if (rng.chance(0.6)) cols.push({ name: 'code', type: 'text', sqlType: 'text NOT NULL', gen: `md5(i::text)`, filter: true });
    if (rng.chance(0.4)) cols.push({ name: 'email', type: 'text', sqlType: 'text', gen: `'user' || i || '@example.com'`, filter: true });
    if (rng.chance(0.5))
      cols.push({ name: 'due_date', type: 'date', sqlType: 'date', gen: `date '2021-01-01' + floor(random() * 1500)::int`, filter: true });
    if (rng.chance(0.5))
      cols.push({
        name: 'country',
        type: 'text',
        sqlType: 'text NOT NULL',
        gen: `(ARRAY[${COUNTRIES.map((s) => `'${s}'`).join(',')}])[1 + floor(random() * ${COUNTRIES.length})::int]`,
        values: COUNTRIES,
        filter: true,
      });
    if (rng.chance(0.5)) cols.push({ name: 'score', type: 'float', sqlType: 'double precision', gen: `random()`, filter: true });
    if (rng.chance(0.5))
      cols.push({
        name: 'priority',
        type: 'int',
        sqlType: 'integer NOT NULL',
        gen: `1 + floor(random() * random() * 5)::int`,
        card: 5,
        filter: true,
      });
    // Attribute columns of every selectivity, from booleans-as-ints to nearly unique.
    const nAttr = rng.int(8, 20);
    for (let k = 1; k <= nAttr; k++) {
      const card = Math.min(rng.pick(CARDS), table.rows * 2);
      const skewed = rng.chance(0.3);
      const gen = skewed ? `floor(${card} * random() * random() * random())::int` : `floor(random() * ${card})::int`;
      cols.push({
        name: `a${String(k).padStart(2, '0')}`,
        type: 'int',
        sqlType: card > 30000 ? 'integer' : 'integer NOT NULL',
        gen,
        card,
        filter: true,
      });
    }
    cols.push({ name: 'note', type: 'text', sqlType: 'text', gen: `'note ' || (i % 97)`, filter: false });
    table.columns = cols;
    // A few tables have an index on a frequently searched column already.
    if (rng.chance(0.2)) table.indexed.push('created_at');
    if (cols.some((c) => c.name === 'code') && rng.chance(0.5)) table.indexed.push('code');
  }
  return tables;
}

function tableDdl(t: Table): string[] {
  return [
    `CREATE TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${c.sqlType}`).join(', ')})`,
    `INSERT INTO ${t.name} SELECT ${t.columns.map((c) => c.gen).join(', ')} FROM generate_series(1, ${t.rows}) AS i`,
    `ALTER TABLE ${t.name} ADD PRIMARY KEY (id)`,
    ...t.indexed.map((c) => `CREATE INDEX ${t.name}_${c}_idx ON ${t.name} (${c})`),
  ];
}

/** Creates, fills and VACUUM ANALYZEs the tables over two connections. */
export async function loadSchema(url: string, tables: Table[]): Promise<void> {
  const queue = [...tables];
  const worker = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('SET synchronous_commit = off');
      for (let t = queue.shift(); t; t = queue.shift()) {
        for (const sql of tableDdl(t)) await c.query(sql);
        // VACUUM sets the visibility map (index-only scans are costed as on a settled table); ANALYZE the statistics.
        await c.query(`VACUUM ANALYZE ${t.name}`);
      }
    } finally {
      await c.end();
    }
  };
  await Promise.all([worker(), worker()]);
  await settle(
    url,
    tables.map((t) => t.name),
  );
}

/**
 * Leaves every table vacuumed (visibility map set, so index-only scans are costed as on a settled
 * production table) and autovacuum off, so that the state does not change while the sizes run:
 * with asynchronous commit, the VACUUM after each load cannot mark the newest pages all-visible,
 * and autovacuum used to do it some minutes later, in the middle of a run (the 5,000 case's
 * estimated cost moved by 10 points with it).
 */
async function settle(url: string, tables: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('ALTER SYSTEM SET autovacuum = off');
    await c.query('SELECT pg_reload_conf()');
    for (const t of tables) {
      for (let attempt = 0; attempt < 50; attempt++) {
        await c.query(`VACUUM ${t}`);
        const r = await c.query<{ share: number }>(
          `SELECT relallvisible::float8 / greatest(relpages, 1) AS share FROM pg_class WHERE oid = $1::regclass`,
          [t],
        );
        if (r.rows[0]!.share > 0.95) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await c.end();
  }
}

// ---- workload ------------------------------------------------------------------------------------

interface GenStatement {
  name: string;
  query: string;
  calls: number;
  template: string;
}

/** Builds one statement's text; `lit()` writes a constant, or `$n` when the statement is parameterized. */
class Builder {
  private n = 0;
  constructor(readonly param: boolean) {}
  lit(sqlLiteral: string): string {
    return this.param ? `$${++this.n}` : sqlLiteral;
  }
}

export class WorkloadGenerator {
  private readonly byName: Map<string, Table>;
  /** Child tables of each table (tables with a foreign key to it). */
  private readonly children = new Map<string, Array<{ table: Table; column: string }>>();

  constructor(
    private readonly tables: Table[],
    private readonly rng: Rng,
  ) {
    this.byName = new Map(tables.map((t) => [t.name, t]));
    for (const t of tables)
      for (const fk of t.fks) {
        const list = this.children.get(fk.parent) ?? [];
        list.push({ table: t, column: fk.column });
        this.children.set(fk.parent, list);
      }
  }

  /** `n` statements with distinct fingerprints, hottest first (calls follow Zipf's law by rank). */
  generate(n: number): GenStatement[] {
    const seen = new Set<string>();
    const out: GenStatement[] = [];
    let attempts = 0;
    while (out.length < n) {
      if (++attempts > n * 50) throw new Error(`could only generate ${out.length} distinct statements`);
      const { query, template } = this.statement();
      let fp: string;
      try {
        fp = fingerprintSync(query);
      } catch (err) {
        throw new Error(`generated statement does not parse: ${(err as Error).message}\n${query}`);
      }
      if (seen.has(fp)) continue;
      seen.add(fp);
      out.push({ name: `s${String(out.length + 1).padStart(4, '0')}`, query, calls: 0, template });
    }
    // Skewed call counts: the rank-r statement is called ~ 2,000,000 / r^1.1 times (jittered), at least once.
    for (const [r, s] of out.entries()) s.calls = Math.max(1, Math.round((2_000_000 / (r + 1) ** 1.1) * (0.5 + this.rng.next())));
    return out;
  }

  /** A table, hot ones more often. */
  private table(): Table {
    return this.tables[this.rng.zipf(this.tables.length, 0.8)]!;
  }

  private literal(t: Table, c: Column): string {
    const r = this.rng;
    switch (c.type) {
      case 'bigint':
        return String(c.references ? r.int(1, this.byName.get(c.references)!.rows) : r.int(1, t.rows));
      case 'int':
        return String(r.int(0, Math.max(0, (c.card ?? 100) - 1)));
      case 'text':
        if (c.values) return `'${r.pick(c.values)}'`;
        if (c.name === 'code')
          return `'${createHash('md5')
            .update(String(r.int(1, t.rows)))
            .digest('hex')}'`;
        return `'user${r.int(1, t.rows)}@example.com'`;
      case 'ts': {
        const d = new Date(Date.UTC(2020, 0, 1) + r.next() * 4 * 365 * 86400_000);
        return `'${d.toISOString().slice(0, 19).replace('T', ' ')}+00'`;
      }
      case 'date': {
        const d = new Date(Date.UTC(2021, 0, 1) + r.int(0, 1500) * 86400_000);
        return `'${d.toISOString().slice(0, 10)}'`;
      }
      case 'num':
        return (r.next() * 10000).toFixed(2);
      case 'float':
        return r.next().toFixed(3);
      case 'bool':
        return r.chance(0.5) ? 'true' : 'false';
    }
  }

  /** A range [lo, hi) of the column's domain, as two literals. */
  private range(t: Table, c: Column): [string, string] {
    const a = this.literal(t, c);
    const b = this.literal(t, c);
    const num = (s: string) => (/^'/.test(s) ? s : Number(s));
    return num(a) <= num(b) ? [a, b] : [b, a];
  }

  private predicate(t: Table, alias: string, b: Builder, prefer?: Column): string {
    const r = this.rng;
    const cols = t.columns.filter((c) => c.filter && c.name !== 'id');
    const c = prefer ?? r.pick(cols);
    const col = `${alias}${c.name}`;
    if (c.name === 'deleted_at') return r.chance(0.8) ? `${col} IS NULL` : `${col} IS NOT NULL`;
    if (c.type === 'bool') return r.chance(0.5) ? col : `NOT ${col}`;
    const rangeable = ['ts', 'date', 'num', 'float'].includes(c.type) || (c.type === 'int' && (c.card ?? 0) > 100);
    const inable = c.type === 'int' || c.type === 'bigint' || Boolean(c.values);
    const roll = r.next();
    if (rangeable && (roll < 0.9 || !inable)) {
      const [lo, hi] = this.range(t, c);
      const form = r.int(0, 3);
      if (form === 0) return `${col} >= ${b.lit(lo)} AND ${col} < ${b.lit(hi)}`;
      if (form === 1) return `${col} BETWEEN ${b.lit(lo)} AND ${b.lit(hi)}`;
      if (form === 2) return `${col} > ${b.lit(lo)}`;
      return `${col} <= ${b.lit(hi)}`;
    }
    if (inable && roll < 0.75) {
      const k = r.int(2, 6);
      return `${col} IN (${Array.from({ length: k }, () => b.lit(this.literal(t, c))).join(', ')})`;
    }
    if (c.name === 'email' && roll < 0.85) return `${col} LIKE ${b.lit(`'user${r.int(1, 999)}%'`)}`;
    if (c.type === 'text' && c.values && roll > 0.95) return `${col} <> ${b.lit(this.literal(t, c))}`;
    return `${col} = ${b.lit(this.literal(t, c))}`;
  }

  private where(t: Table, alias: string, b: Builder, n: number): string[] {
    const cols = this.rng.sample(
      t.columns.filter((c) => c.filter && c.name !== 'id'),
      n,
    );
    return cols.map((c) => this.predicate(t, alias, b, c));
  }

  private selectList(t: Table, alias: string): string {
    const r = this.rng;
    if (r.chance(0.1)) return `${alias}*`;
    const k = r.int(1, 7);
    return r
      .sample(t.columns, k)
      .map((c) => `${alias}${c.name}`)
      .join(', ');
  }

  private orderBy(t: Table, alias: string, b: Builder): string {
    const r = this.rng;
    const candidates = t.columns.filter((c) => ['ts', 'date', 'num', 'float', 'bigint'].includes(c.type) && !c.nullable);
    const c = r.pick(candidates.length ? candidates : t.columns);
    const dir = r.chance(0.6) ? ' DESC' : '';
    const second = c.name !== 'id' && r.chance(0.25) ? `, ${alias}id${dir}` : '';
    return ` ORDER BY ${alias}${c.name}${dir}${second} LIMIT ${b.lit(String(r.pick([1, 10, 20, 50, 100])))}`;
  }

  private statement(): { query: string; template: string } {
    const r = this.rng;
    const b = new Builder(r.chance(0.6));
    const roll = r.next();
    const t = this.table();
    if (roll < 0.3) {
      // Filter on one table, 1-3 predicates, sometimes ordered with a LIMIT.
      const preds = this.where(t, '', b, r.int(1, 3));
      const order = r.chance(0.35) ? this.orderBy(t, '', b) : '';
      return { template: 'filter', query: `SELECT ${this.selectList(t, '')} FROM ${t.name} WHERE ${preds.join(' AND ')}${order}` };
    }
    if (roll < 0.38) {
      // Point lookup by primary key or a unique-ish column.
      const key = t.columns.find((c) => c.name === r.pick(['code', 'email', 'id'])) ?? t.columns[0]!;
      return {
        template: 'lookup',
        query: `SELECT ${this.selectList(t, '')} FROM ${t.name} WHERE ${key.name} = ${b.lit(this.literal(t, key))}`,
      };
    }
    if (roll < 0.5) {
      // Aggregate grouped by a low-cardinality column.
      const groupCols = t.columns.filter((c) => c.values || (c.card !== undefined && c.card <= 100));
      const g = r.pick(groupCols.length ? groupCols : t.columns);
      const agg = r.pick(['count(*)', 'sum(amount)', 'avg(amount)', 'max(created_at)', 'count(DISTINCT status)']);
      const preds = this.where(t, '', b, r.int(1, 2));
      const tailSql = r.chance(0.4) ? ` ORDER BY 2 DESC LIMIT ${b.lit('10')}` : '';
      return {
        template: 'aggregate',
        query: `SELECT ${g.name}, ${agg} FROM ${t.name} WHERE ${preds.join(' AND ')} GROUP BY ${g.name}${tailSql}`,
      };
    }
    if (roll < 0.72) {
      // Join child → parent along a foreign key, filters on either side.
      const child = t.fks.length ? t : this.tables.find((x) => x.fks.length)!;
      const fk = r.pick(child.fks);
      const parent = this.byName.get(fk.parent)!;
      const fromParent = r.chance(0.5);
      const preds = fromParent ? this.where(parent, 'p.', b, r.int(1, 2)) : this.where(child, 'c.', b, r.int(1, 2));
      if (r.chance(0.4)) preds.push(...this.where(fromParent ? child : parent, fromParent ? 'c.' : 'p.', b, 1));
      const order = r.chance(0.3) ? this.orderBy(child, 'c.', b) : '';
      const select = `${this.selectList(child, 'c.')}, ${this.selectList(parent, 'p.')}`;
      return {
        template: 'join2',
        query: `SELECT ${select} FROM ${child.name} c JOIN ${parent.name} p ON p.id = c.${fk.column} WHERE ${preds.join(' AND ')}${order}`,
      };
    }
    if (roll < 0.8) {
      // Three tables: child → parent → grandparent, or two children of one parent.
      const child = [t, ...this.tables].find((x) => x.fks.some((f) => this.byName.get(f.parent)!.fks.length > 0)) ?? t;
      const fk = r.pick(
        child.fks.filter((f) => this.byName.get(f.parent)!.fks.length > 0).length
          ? child.fks.filter((f) => this.byName.get(f.parent)!.fks.length > 0)
          : child.fks,
      );
      const parent = this.byName.get(fk.parent)!;
      if (!parent.fks.length) return this.statement();
      const fk2 = r.pick(parent.fks);
      const grand = this.byName.get(fk2.parent)!;
      const preds = [...this.where(grand, 'g.', b, 1), ...(r.chance(0.5) ? this.where(child, 'c.', b, 1) : [])];
      const agg = r.chance(0.4);
      const select = agg ? `g.id, count(*)` : `${this.selectList(child, 'c.')}, g.id`;
      return {
        template: 'join3',
        query:
          `SELECT ${select} FROM ${child.name} c JOIN ${parent.name} p ON p.id = c.${fk.column} JOIN ${grand.name} g ON g.id = p.${fk2.column} ` +
          `WHERE ${preds.join(' AND ')}${agg ? ' GROUP BY g.id' : ''}`,
      };
    }
    if (roll < 0.86) {
      // Parent rows having (or lacking) a matching child: EXISTS / NOT EXISTS on an unindexed FK.
      const kids = this.children.get(t.name);
      if (!kids?.length) return this.statement();
      const kid = r.pick(kids);
      const not = r.chance(0.25) ? 'NOT ' : '';
      const inner = this.where(kid.table, 'k.', b, r.int(0, 1));
      return {
        template: 'exists',
        query:
          `SELECT ${this.selectList(t, 'p.')} FROM ${t.name} p WHERE ${this.where(t, 'p.', b, 1)[0]} AND ${not}EXISTS ` +
          `(SELECT 1 FROM ${kid.table.name} k WHERE k.${kid.column} = p.id${inner.map((x) => ` AND ${x}`).join('')})`,
      };
    }
    if (roll < 0.9) {
      // Count with a filter (dashboards).
      return { template: 'count', query: `SELECT count(*) FROM ${t.name} WHERE ${this.where(t, '', b, r.int(1, 3)).join(' AND ')}` };
    }
    // Writes: ~10 %.
    const w = r.int(0, 3);
    if (w === 0) {
      const set = r.sample(
        t.columns.filter((c) => c.name !== 'id' && !c.references),
        r.int(1, 3),
      );
      return {
        template: 'update-pk',
        query: `UPDATE ${t.name} SET ${set.map((c) => `${c.name} = ${b.lit(this.literal(t, c))}`).join(', ')} WHERE id = ${b.lit(this.literal(t, t.columns[0]!))}`,
      };
    }
    if (w === 1) {
      const set = r.sample(
        t.columns.filter((c) => c.name !== 'id' && !c.references && c.type !== 'ts'),
        r.int(1, 2),
      );
      return {
        template: 'update-filter',
        query: `UPDATE ${t.name} SET ${set.map((c) => `${c.name} = ${b.lit(this.literal(t, c))}`).join(', ')}, updated_at = now() WHERE ${this.where(t, '', b, r.int(1, 2)).join(' AND ')}`,
      };
    }
    if (w === 2) return { template: 'delete', query: `DELETE FROM ${t.name} WHERE ${this.where(t, '', b, r.int(1, 2)).join(' AND ')}` };
    const cols = [t.columns[0]!, ...r.sample(t.columns.slice(1), r.int(3, 10))];
    return {
      template: 'insert',
      query: `INSERT INTO ${t.name} (${cols.map((c) => c.name).join(', ')}) VALUES (${cols.map((c) => b.lit(this.literal(t, c))).join(', ')})`,
    };
  }
}

// ---- one advise() run in a child process ---------------------------------------------------------

interface ChildRequest {
  url: string;
  workloadFile: string;
  concurrency: number;
}

export interface ChildResult {
  ok: boolean;
  error?: string;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssMB: number;
  maxRssMB: number;
  whatIfCalls: number;
  statementsAnalyzed: number;
  notAdvisable: number;
  notAdvisableReasons: Record<string, number>;
  candidates: number;
  recommendations: number;
  recommendedMB: number;
  costBefore: number;
  costAfter: number;
  rounds: number;
  stages: StageTiming[];
}

async function childMain(): Promise<void> {
  // The benchmark process went away (killed, ^C): do not run on alone.
  process.on('disconnect', () => process.exit(1));
  const req = await new Promise<ChildRequest>((resolve) => process.once('message', (m) => resolve(m as ChildRequest)));
  await ensureParser(); // WASM load: not part of the measured run
  const mem = new MemorySampler(50);
  const rec = new StageRecorder();
  const cpu0 = process.cpuUsage();
  const heartbeat = setInterval(() => {
    const cpu = process.cpuUsage(cpu0);
    process.send?.({
      type: 'progress',
      stages: rec.timings(),
      rounds: rec.rounds,
      calls: rec.calls,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      peakRssMB: mem.peakRss / 2 ** 20,
    });
  }, 2000);
  const t0 = performance.now();
  let result: ChildResult;
  try {
    const r = await advise({ url: req.url, workloadFile: req.workloadFile, concurrency: req.concurrency, progress: rec });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const reasons: Record<string, number> = {};
    for (const n of r.notAdvisable) {
      const k = n.reason.replace(/\$\d+|"[^"]*"|\d+/g, '…').slice(0, 90);
      reasons[k] = (reasons[k] ?? 0) + 1;
    }
    result = {
      ok: true,
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      ...mem.stop(),
      whatIfCalls: r.whatIfCalls,
      statementsAnalyzed: r.statementsAnalyzed,
      notAdvisable: r.notAdvisable.length,
      notAdvisableReasons: reasons,
      candidates: r.candidatesConsidered,
      recommendations: r.recommendations.length,
      recommendedMB: r.recommendations.reduce((n, x) => n + x.estimatedBytes, 0) / 1e6,
      costBefore: r.workloadCostBefore,
      costAfter: r.workloadCostAfter,
      rounds: rec.rounds,
      stages: rec.timings(t0 + wallMs, r.whatIfCalls),
    };
  } catch (err) {
    const cpu = process.cpuUsage(cpu0);
    result = {
      ...emptyResult((err as Error).stack ?? String(err), { stages: rec.timings(), rounds: rec.rounds, calls: rec.calls }),
      wallMs: performance.now() - t0,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      ...mem.stop(),
    };
  }
  clearInterval(heartbeat);
  process.send!({ type: 'result', result }, () => process.exit(0));
}

/** CPU seconds of the server so far: the postmaster's own plus its reaped children's (the backends). */
function serverCpuMs(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14-17 of /proc/PID/stat (utime stime cutime cstime) are at 11-14 after the command.
    const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0);
    // Live backends' times are not in cutime until they exit: add them.
    let live = 0;
    for (const p of readdirSafe('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const s = readFileSync(`/proc/${p}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        if (Number(f[1]) === pid) live += Number(f[11]) + Number(f[12]);
      } catch {
        // gone
      }
    }
    return ((ticks + live) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

interface Heartbeat {
  stages: StageTiming[];
  rounds: number;
  calls: number;
  cpuUserMs?: number;
  cpuSystemMs?: number;
  peakRssMB?: number;
}

function emptyResult(error: string, last: Heartbeat): ChildResult {
  return {
    ok: false,
    error,
    wallMs: 0,
    cpuUserMs: last.cpuUserMs ?? 0,
    cpuSystemMs: last.cpuSystemMs ?? 0,
    peakRssMB: last.peakRssMB ?? 0,
    maxRssMB: 0,
    whatIfCalls: last.calls,
    statementsAnalyzed: 0,
    notAdvisable: 0,
    notAdvisableReasons: {},
    candidates: 0,
    recommendations: 0,
    recommendedMB: 0,
    costBefore: 0,
    costAfter: 0,
    rounds: last.rounds,
    stages: last.stages,
  };
}

async function adviseInChild(
  req: ChildRequest,
  timeoutMs: number,
  label: string,
  execArgv: string[] = [],
): Promise<ChildResult & { timedOut?: boolean }> {
  const script = fileURLToPath(import.meta.url);
  const child = fork(script, ['--advise-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
  });
  let last: Heartbeat = { stages: [], rounds: 0, calls: 0 };
  let lastLog = 0;
  let result: ChildResult | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ...emptyResult(`did not finish in ${fmtS(timeoutMs)}`, last), timedOut: true, wallMs: timeoutMs });
    }, timeoutMs);
    child.on('message', (m: { type: string; result?: ChildResult } & Partial<Heartbeat>) => {
      if (m.type === 'progress') {
        last = m as Heartbeat;
        if (Date.now() - lastLog > 15_000) {
          lastLog = Date.now();
          log(`${label}: ${last.stages.at(-1)?.name ?? 'starting'}, ${fmtInt(last.calls)} what-if calls so far`);
        }
      } else if (m.type === 'result') {
        clearTimeout(timer);
        result = m.result!;
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // Resolved on exit, not on the result message: the child writes its --cpu-prof file as it exits.
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(result ?? emptyResult(`advise child exited with code ${code}`, last));
    });
    child.send(req);
  });
}

// ---- the benchmark -------------------------------------------------------------------------------

export interface ScaleOptions {
  sizes?: number[];
  tables?: number;
  seed?: number;
  /** Per-size limit on advise(); a run that exceeds it is reported with its partial profile. */
  timeoutMs?: number;
  /**
   * Profile each advise() child with V8's sampling profiler (--cpu-prof) and write the hottest
   * functions to a section of its own (`scale-profile`); the timing table is left as it is, since
   * profiling slows the run down.
   */
  cpuProf?: boolean;
}

interface SizeRun {
  size: number;
  tablesTouched: number;
  templates: Record<string, number>;
  parameterized: number;
  result: ChildResult & { timedOut?: boolean };
  serverCpuMs?: number;
  profile?: ProfileSummary;
}

export async function runScale(opts: ScaleOptions = {}): Promise<{ markdown: string; lines: string[] }> {
  const sizes = opts.sizes ?? [100, 1000, 5000];
  const nTables = opts.tables ?? 50;
  const seed = opts.seed ?? 42;
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const rng = new Rng(seed);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgia-bench-scale-'));
  let cluster: ThrowawayCluster | undefined;
  try {
    await loadModule();
    const schema = makeSchema(nTables, rng);
    const gen = new WorkloadGenerator(schema, rng);
    const all = gen.generate(Math.max(...sizes));

    log('scale: starting a throwaway PostgreSQL…');
    cluster = await startThrowawayCluster({ database: 'scale', log });
    const t = performance.now();
    await loadSchema(cluster.url, schema);
    const loadMs = performance.now() - t;
    const totalRows = schema.reduce((n, x) => n + x.rows, 0);
    const totalCols = schema.reduce((n, x) => n + x.columns.length, 0);
    log(`scale: ${nTables} tables, ${fmtInt(totalRows)} rows, ${totalCols} columns loaded in ${fmtS(loadMs)}`);
    const dbBytes = await databaseSize(cluster.url);
    const versions = await serverVersions(cluster.url);

    const runs: SizeRun[] = [];
    for (const size of sizes) {
      const statements = all.slice(0, size);
      const file = path.join(tmp, `scale-${size}.json`);
      writeFileSync(file, JSON.stringify({ statements: statements.map((s) => ({ name: s.name, query: s.query, calls: s.calls })) }));
      const templates: Record<string, number> = {};
      for (const s of statements) templates[s.template] = (templates[s.template] ?? 0) + 1;
      const touched = new Set(statements.flatMap((s) => [...s.query.matchAll(/\b(t\d\d)\b/g)].map((m) => m[1]!)));
      log(`scale: advising ${size} statements…`);
      const cpu0 = serverCpuMs(cluster.dataDir);
      const profDir = path.join(tmp, `prof-${size}`);
      const execArgv = opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
      const result = await adviseInChild(
        { url: cluster.url, workloadFile: file, concurrency: 2 },
        timeoutMs,
        `${size} statements`,
        execArgv,
      );
      const profFile = opts.cpuProf ? readdirSafe(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
      const profile = profFile ? summarizeProfile(path.join(profDir, profFile)) : undefined;
      const cpu1 = serverCpuMs(cluster.dataDir);
      if (!result.ok) log(`scale ${size}: ${result.error}`);
      runs.push({
        size,
        tablesTouched: touched.size,
        templates,
        parameterized: statements.filter((s) => /\$\d/.test(s.query)).length,
        result,
        ...(cpu0 !== undefined && cpu1 !== undefined ? { serverCpuMs: cpu1 - cpu0 } : {}),
        ...(profile ? { profile } : {}),
      });
      log(
        `scale ${size}: ${fmtS(result.wallMs)}, ${fmtInt(result.whatIfCalls)} what-if calls, ${result.recommendations} indexes, peak RSS ${result.peakRssMB.toFixed(0)} MB`,
      );
    }

    const sample = all.slice(0, 12);
    let markdown: string;
    if (opts.cpuProf) {
      markdown = profileMarkdown(runs, versions);
      updateResults('scale-profile', markdown);
    } else {
      markdown = scaleMarkdown({ runs, schema, loadMs, totalRows, totalCols, dbBytes, versions, seed, sample });
      updateResults('scale', markdown);
    }
    const lines = runs.map(
      (r) =>
        `scale ${fmtInt(r.size)} statements: ${r.result.ok ? '' : `FAILED (${r.result.error?.split('\n')[0]}) after `}${fmtS(r.result.wallMs)}, ` +
        `${fmtInt(r.result.whatIfCalls)} what-if calls, ${r.result.recommendations} indexes, peak RSS ${r.result.peakRssMB.toFixed(0)} MB`,
    );
    return { markdown, lines };
  } finally {
    await cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function databaseSize(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ b: string }>('SELECT pg_database_size(current_database())::text AS b');
    return Number(r.rows[0]!.b);
  } finally {
    await c.end();
  }
}

function scaleMarkdown(x: {
  runs: SizeRun[];
  schema: Table[];
  loadMs: number;
  totalRows: number;
  totalCols: number;
  dbBytes: number;
  versions: { postgres: string; hypopg: string };
  seed: number;
  sample: GenStatement[];
}): string {
  const m = machine(x.versions);
  const out: string[] = [];
  out.push('## Scaling (synthetic schema, 100 to 5,000 distinct statements)', '');
  out.push(machineLine(m), '');
  const cols = x.schema.map((t) => t.columns.length);
  const existing = x.schema.reduce((n, t) => n + t.indexed.length, 0);
  out.push(
    `Schema: ${x.schema.length} tables, ${fmtInt(x.totalRows)} rows (${fmtInt(Math.min(...x.schema.map((t) => t.rows)))} to ` +
      `${fmtInt(Math.max(...x.schema.map((t) => t.rows)))} per table), ${Math.min(...cols)} to ${Math.max(...cols)} columns per table ` +
      `(${x.totalCols} in all: foreign keys, enums, timestamps, amounts, nullable columns, integer attributes of 2 to 10^6 distinct values), ` +
      `${x.schema.length} primary keys and ${existing} other existing indexes; ${(x.dbBytes / 1e6).toFixed(0)} MB, generated with ` +
      `\`generate_series\` and loaded in ${fmtS(x.loadMs)} (seed ${x.seed}). Workloads: the N hottest of 5,000 generated statements, ` +
      `all with distinct libpg-query fingerprints (filters, lookups, aggregates, 2- and 3-table joins, EXISTS, counts, ~10 % writes; ` +
      `~60 % with \`$n\` parameters as pg_stat_statements shows them), calls ~ 2,000,000 / rank^1.1. ` +
      `Each \`advise()\` ran with its defaults and \`concurrency: 2\` in a child process of its own (so its memory figures are its own).`,
    '',
  );
  out.push(
    mdRow([
      'statements',
      'tables',
      'candidates',
      'indexes chosen',
      'what-if calls',
      'calls / statement',
      'wall time',
      'ms / statement',
      'advisor CPU',
      'server CPU',
      'peak RSS (sampled)',
      'maxRSS',
      'est. cost after',
    ]),
  );
  out.push(mdRow(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const r of x.runs) {
    const res = r.result;
    out.push(
      mdRow([
        fmtInt(r.size),
        r.tablesTouched,
        res.ok ? fmtInt(res.candidates) : (/verifying (\d+) candidates/.exec(res.stages.map((x) => x.name).join(' '))?.[1] ?? '–'),
        res.ok ? `${res.recommendations} (${res.recommendedMB.toFixed(0)} MB)` : '–',
        fmtInt(res.whatIfCalls),
        fmtInt(res.whatIfCalls / r.size),
        res.ok ? `**${fmtS(res.wallMs)}**` : `> ${fmtS(res.wallMs)} (${res.timedOut ? 'stopped' : 'failed'})`,
        res.ok ? (res.wallMs / r.size).toFixed(1) : '–',
        res.cpuUserMs ? fmtS(res.cpuUserMs + res.cpuSystemMs) : '–',
        r.serverCpuMs !== undefined ? fmtS(r.serverCpuMs) : '–',
        res.peakRssMB ? `${res.peakRssMB.toFixed(0)} MB` : '–',
        res.maxRssMB ? `${res.maxRssMB.toFixed(0)} MB` : '–',
        res.ok && res.costBefore > 0 ? `${((100 * res.costAfter) / res.costBefore).toFixed(1)} %` : '–',
      ]),
    );
  }
  out.push('');
  const k = x.runs.find((r) => r.size === 1000);
  if (k) {
    const met = k.result.ok && k.result.wallMs < 30_000;
    out.push(
      `Target (issue 4): 1,000 distinct statements over 50 tables in under 30 s on 2 cores — **${met ? 'met' : 'not met'}** (${fmtS(k.result.wallMs)}).`,
    );
  }
  const ok = x.runs.filter((r) => r.result.ok);
  if (ok.length >= 2) {
    const a = ok[0]!;
    const parts = ok.slice(1).map((b) => {
      const timeRatio = b.result.wallMs / a.result.wallMs;
      const sizeRatio = b.size / a.size;
      const exp = Math.log(timeRatio) / Math.log(sizeRatio);
      return `${fmtInt(a.size)} → ${fmtInt(b.size)} statements (×${sizeRatio}): time ×${timeRatio.toFixed(1)}, calls ×${(b.result.whatIfCalls / Math.max(1, a.result.whatIfCalls)).toFixed(1)} (time ∝ n^${exp.toFixed(2)})`;
    });
    out.push(`Growth: ${parts.join('; ')}. Linear would be n^1.00.`);
  }
  out.push('');
  out.push(
    'Where the time goes (from `advise()`\'s `progress` callbacks): "verifying N candidates" is opening the what-if sessions, costing every ' +
      'statement with no index (the baseline) and creating every candidate once as a hypothetical index (its size, and whether hypopg accepts it); ' +
      '"screening pass k" costs each statement with all the candidates it could use at once (Dexter\'s trick; later passes without the favourites); ' +
      '"selection rounds" are the greedy rounds (the last one finds nothing worth adding); "removing redundant indexes" and "crediting each index" ' +
      'are the pruning and the per-index figures; "costing with representative values" re-costs the chosen set with values from pg_stats.',
    '',
  );
  for (const r of x.runs) {
    out.push(
      `- ${fmtInt(r.size)} statements${r.result.ok ? '' : ` (${r.result.error?.split('\n')[0]})`}: ${summarizeStages(r.result.stages) || '–'}.`,
    );
    const rounds = r.result.stages.filter((s) => isRound(s.name));
    if (rounds.length > 1) {
      const first = rounds[0]!;
      const rest = rounds.slice(1, -1);
      const med = rest.length ? [...rest].sort((a, b) => a.ms - b.ms)[Math.floor(rest.length / 2)]! : undefined;
      const secs = r.result.wallMs / 1000;
      out.push(
        `  Round 1: ${fmtS(first.ms)} (${fmtInt(first.calls)} calls)` +
          (med ? `; median later round: ${fmtS(med.ms)} (${fmtInt(med.calls)} calls)` : '') +
          `; ${fmtInt(r.result.whatIfCalls / Math.max(0.001, secs))} what-if calls per second overall` +
          (r.result.cpuUserMs
            ? `; advisor CPU ${((100 * (r.result.cpuUserMs + r.result.cpuSystemMs)) / r.result.wallMs).toFixed(0)} % of the wall time`
            : '') +
          (r.serverCpuMs !== undefined ? `, server CPU ${((100 * r.serverCpuMs) / r.result.wallMs).toFixed(0)} % (2 cores = 200 %)` : '') +
          '.',
      );
    }
    if (r.result.notAdvisable)
      out.push(
        `  Not advisable: ${r.result.notAdvisable} (${Object.entries(r.result.notAdvisableReasons)
          .map(([k, v]) => `${v}× ${k}`)
          .join('; ')}).`,
      );
  }
  out.push('');
  const last = x.runs.at(-1);
  if (last)
    out.push(
      `Statement mix of the ${fmtInt(last.size)} workload: ${Object.entries(last.templates)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; ${last.parameterized} with \`$n\` parameters.`,
      '',
    );
  out.push('<details><summary>The 12 hottest generated statements</summary>', '', '```sql');
  for (const s of x.sample) out.push(`-- ${s.name} calls: ${s.calls}`, `${s.query};`);
  out.push('```', '', '</details>');
  return out.join('\n');
}

// ---- CPU profiles --------------------------------------------------------------------------------

interface ProfileSummary {
  totalMs: number;
  functions: Array<{ name: string; where: string; selfMs: number }>;
  modules: Array<{ module: string; selfMs: number }>;
}

/** Where a script URL belongs: `src/select/greedy.js`, `node_modules/pg`, `node:internal/...`, `(V8)`. */
function moduleOf(url: string): string {
  if (!url) return '(V8: GC, idle, program)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `node_modules/${nm[1]}`;
  const src = /\/(src\/.+|bench\/.+)$/.exec(url);
  if (src) return src[1]!;
  return url.replace(/^file:\/\//, '').replace(/^node:internal\/.*/, 'node:internal');
}

/** Self time per function and per module of a V8 .cpuprofile (sampled). */
export function summarizeProfile(file: string): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** A native frame (writev, …) is named with the JS function that called it. */
  const caller = (id: number): string => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const cf = byId.get(p)!.callFrame;
      if (cf.url && !cf.url.startsWith('node:')) return `${cf.functionName || '(anonymous)'} (${moduleOf(cf.url)})`;
    }
    return '';
  };
  const fn = new Map<string, { name: string; where: string; selfMs: number }>();
  const mod = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]!);
    const ms = (prof.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    total += ms;
    const cf = node.callFrame;
    const m = moduleOf(cf.url);
    const where = cf.url ? `${m}:${cf.lineNumber + 1}` : '';
    const native = !cf.url && !/^\((idle|program|garbage collector|root)\)$/.test(cf.functionName);
    const via = native ? caller(node.id) : '';
    const key = `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${via}`;
    const e = fn.get(key) ?? { name: cf.functionName || '(anonymous)', where: via ? `called from ${via}` : where, selfMs: 0 };
    e.selfMs += ms;
    fn.set(key, e);
    mod.set(m, (mod.get(m) ?? 0) + ms);
  }
  return {
    totalMs: total,
    functions: [...fn.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, 20),
    modules: [...mod]
      .map(([module, selfMs]) => ({ module, selfMs }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, 15),
  };
}

function profileMarkdown(runs: SizeRun[], versions: { postgres: string; hypopg: string }): string {
  const out: string[] = ["## Scaling: where the advisor's own CPU goes (V8 sampling profile)", ''];
  out.push(machineLine(machine(versions)), '');
  out.push(
    'The same workloads as the scaling table, each `advise()` child run with `--cpu-prof` (slower than the timed runs). Self time of the ' +
      'advisor process only; "(idle)" is the process waiting, mostly for the server to plan. Shares are of the profile\'s total.',
    '',
  );
  for (const r of runs) {
    const p = r.profile;
    if (!p) continue;
    const pct = (ms: number) => `${((100 * ms) / p.totalMs).toFixed(1)} %`;
    out.push(`### ${fmtInt(r.size)} statements (${fmtS(r.result.wallMs)} profiled, ${fmtInt(r.result.whatIfCalls)} what-if calls)`, '');
    out.push(mdRow(['module', 'self time', 'share']), mdRow(['---', '---:', '---:']));
    for (const m of p.modules) out.push(mdRow([`\`${m.module}\``, fmtS(m.selfMs), pct(m.selfMs)]));
    out.push('', mdRow(['function', 'where', 'self time', 'share']), mdRow(['---', '---', '---:', '---:']));
    for (const f of p.functions) out.push(mdRow([`\`${f.name}\``, f.where ? `\`${f.where}\`` : '', fmtS(f.selfMs), pct(f.selfMs)]));
    out.push('');
  }
  return out.join('\n');
}

if (process.argv.includes('--advise-child')) {
  childMain().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
