// `npm run bench -- fleet [--databases 40] [--url URL]`: the fleet on one server, as
// `nightly --config` runs it: N databases, each with its own small schema and workload, advised
// two nights running (a history folder; the second night after more workload), one database
// unreachable on purpose. Wall time and peak memory per night, at two concurrency settings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type FleetPlan, runFleet } from '../src/fleet/run.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../tools/cluster/cluster.js';
import { fmtS, log, MemorySampler, machine, machineLine, mdRow, updateResults } from './common.js';

const urlFor = (base: string, db: string) => {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
};

async function exec(url: string, sql: string, params?: unknown[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** Each database: three tables and a handful of statements, replayed `calls` times each. */
async function workload(url: string, i: number, calls: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let k = 0; k < calls; k++) {
      await c.query('SELECT id, total FROM orders WHERE customer_id = $1', [(k * 7 + i) % 5000]);
      await c.query('SELECT id FROM customers WHERE email = $1', [`c${(k * 13) % 5000}@example.com`]);
      await c.query('SELECT count(*) FROM events WHERE kind = $1 AND at > now() - interval $$1 day$$', [k % 20]);
      await c.query('UPDATE customers SET seen = now() WHERE id = $1', [(k * 3) % 5000]);
    }
  } finally {
    await c.end();
  }
}

export async function runFleetBench(opts: { databases?: number; url?: string } = {}): Promise<{ lines: string[] }> {
  const n = opts.databases ?? 40;
  let cluster: ThrowawayCluster | undefined;
  let base = opts.url;
  if (!base) {
    cluster = await startThrowawayCluster({ database: 'fleetbench', log, settings: ['autovacuum = off', 'max_connections = 200'] });
    base = cluster.url;
  }
  const names = Array.from({ length: n }, (_, i) => `fleet_bench_${String(i).padStart(3, '0')}`);
  const dir = mkdtempSync(join(tmpdir(), 'pgia-fleet-bench-'));
  try {
    log(`creating ${n} databases`);
    for (const [i, name] of names.entries()) {
      await exec(base, `DROP DATABASE IF EXISTS ${name}`);
      await exec(base, `CREATE DATABASE ${name}`);
      const url = urlFor(base, name);
      await exec(
        url,
        `CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS hypopg;
         CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, seen timestamptz);
         CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric NOT NULL);
         CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, at timestamptz NOT NULL);
         INSERT INTO customers SELECT g, 'c' || g || '@example.com', NULL FROM generate_series(1, 5000) g;
         INSERT INTO orders SELECT g, 1 + g % 5000, g % 700 FROM generate_series(1, ${30_000 + i * 500}) g;
         INSERT INTO events SELECT g, g % 20, now() - g * interval '1 second' FROM generate_series(1, 50000) g;
         ANALYZE;
         SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0);`,
      );
      await workload(url, i, 10);
    }
    const lines: string[] = [];
    const rows: string[] = [];
    for (const concurrency of [1, 4]) {
      const history = join(dir, `history-${concurrency}`);
      const plan: FleetPlan = {
        databases: [
          ...names.map((name) => ({ name, url: urlFor(base!, name), options: { concurrency: 1 } })),
          { name: 'unreachable', url: urlFor(base!, 'fleet_bench_dropped'), options: { concurrency: 1 } },
        ],
        history,
        out: join(dir, `reports-${concurrency}`),
        concurrency,
        perHost: concurrency,
      };
      for (const night of [1, 2]) {
        if (night === 2) for (const [i, name] of names.entries()) await workload(urlFor(base, name), i, 5);
        log(`night ${night}, concurrency ${concurrency}`);
        const mem = new MemorySampler();
        const started = Date.now();
        const clock = () => new Date(Date.UTC(2026, 10, 20 + night, 2));
        const r = await runFleet(plan, { clock });
        const ms = Date.now() - started;
        const m = mem.stop();
        const done = r.outcomes.filter((o) => o.status === 'done');
        const failed = r.outcomes.filter((o) => o.status === 'failed').map((o) => o.name);
        const per = done.map((o) => o.seconds).sort((a, b) => a - b);
        rows.push(
          mdRow([
            night,
            concurrency,
            `${done.length} + ${failed.length} failed (${failed.join(', ')})`,
            fmtS(ms),
            `${per[Math.floor(per.length / 2)]!.toFixed(1)} s / ${per.at(-1)!.toFixed(1)} s`,
            done.reduce((s, o) => s + (o.figures?.recommendations ?? 0), 0),
            `${m.peakRssMB.toFixed(0)} MB`,
          ]),
        );
        lines.push(
          `fleet: night ${night}, concurrency ${concurrency}: ${r.outcomes.length} databases in ${fmtS(ms)}, peak RSS ${m.peakRssMB.toFixed(0)} MB`,
        );
      }
    }
    const version = await (async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
      } finally {
        await c.end();
      }
    })();
    updateResults(
      'fleet',
      [
        '## A fleet on one server (`npm run bench -- fleet`)',
        '',
        machineLine(machine({ postgres: `PostgreSQL ${version}` })),
        '',
        `${n} databases on one server (3 tables each: 5,000 customers, 30,000 to ${(30_000 + (n - 1) * 500).toLocaleString('en-US')} orders, 50,000 events; 4 statements ` +
          'replayed 10 times, then 5 more before the second night), plus one that was never created (unreachable on purpose), ' +
          'advised as `nightly --config` does it (`runFleet` in one process: advice, audit, reports, index page) with a history ' +
          'folder, two nights running. Per-database times are the wall time of its run while the others ran beside it; peak ' +
          'memory is the RSS of the one process advising them all.',
        '',
        '| night | databases at once (global = per server) | databases | wall time | per database (median / max) | indexes recommended | peak RSS |',
        '|---:|---:|---|---:|---:|---:|---:|',
        ...rows,
      ].join('\n'),
    );
    return { lines };
  } finally {
    for (const name of names) await exec(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  }
}
