// The advisor's footprint in the target's pg_stat_statements: how many entries one advise() run
// adds, with the default settings (track = top, track_utility = on) and an ordinary monitoring
// role (pg_monitor, SELECT on the tables), on the scaling benchmark's schema and workloads.
//
// Each size is advised twice on the same data: as a role that may run a DO block (the what-if
// sessions send their EXPLAIN batches through one: src/verify/quietExplain.ts) and as one without
// USAGE on PL/pgSQL (the sessions fall back to sending each EXPLAIN and PREPARE themselves, as every
// run did before). The entries are counted from another database (pg_stat_statements is one view
// of the whole server), after a reset of the target database's entries, so the bench's own queries
// are not among them; the workload comes from a file, so no entry is the user's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModule } from 'libpg-query';
import pg from 'pg';
import { advise } from '../src/advise.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../tools/cluster/cluster.js';
import { fmtInt, fmtS, log, machine, machineLine, mdRow, updateResults } from './common.js';
import { loadSchema, makeSchema, Rng, WorkloadGenerator } from './scale.js';
import { serverVersions } from './tpch.js';

export interface FootprintOptions {
  /** Workload sizes (distinct statements), default 1,000 (the issue's run had 963). */
  sizes?: number[];
  tables?: number;
  seed?: number;
  /** Runs of each kind per size, alternating which goes first (default 1); the table shows the median wall time. */
  repeats?: number;
}

/** Entries of one run, by what the advisor sent. */
interface Footprint {
  entries: number;
  byKind: Record<string, number>;
  wallMs: number;
  /** Every run's wall time, when repeated. */
  allWallMs?: number[];
  whatIfCalls: number;
  recommendations: string[];
  warnings: string[];
}

const QUIET_ROLE = 'pgia_monitor';
const PLAIN_ROLE = 'pgia_monitor_no_plpgsql';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function kindOf(query: string): string {
  const q = query.replace(/^\s*(\/\*[\s\S]*?\*\/\s*)*/, '');
  if (/^PREPARE\b/i.test(q)) return 'PREPARE';
  if (/^EXPLAIN\b/i.test(q)) return 'EXPLAIN';
  // the batch's three texts: set_config of the statements, the DO block, the read of the plans
  if (/^DO\b|^SELECT set_config\(|AS results$/.test(q)) return 'the batch (set_config, DO, result)';
  if (/hypopg/.test(q)) return 'hypopg';
  if (/^(SET|DEALLOCATE|SHOW|RESET)\b/i.test(q)) return 'SET, DEALLOCATE';
  return 'catalog, statistics and other reads';
}

function withRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}

async function adviseCounted(admin: pg.Client, database: string, url: string, workloadFile: string): Promise<Footprint> {
  await admin.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = $1), 0)', [database]);
  const t = performance.now();
  const r = await advise({ url, workloadFile, concurrency: 2 });
  const wallMs = performance.now() - t;
  const rows = (
    await admin.query<{ query: string }>(
      'SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)',
      [database],
    )
  ).rows;
  const byKind: Record<string, number> = {};
  for (const row of rows) byKind[kindOf(row.query)] = (byKind[kindOf(row.query)] ?? 0) + 1;
  return {
    entries: rows.length,
    byKind,
    wallMs,
    whatIfCalls: r.whatIfCalls,
    recommendations: r.recommendations.map((x) => x.definition),
    warnings: r.warnings,
  };
}

export async function runFootprint(opts: FootprintOptions = {}): Promise<{ markdown: string; lines: string[] }> {
  const sizes = opts.sizes ?? [1000];
  const nTables = opts.tables ?? 50;
  const seed = opts.seed ?? 42;
  const repeats = Math.max(1, opts.repeats ?? 1);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgia-bench-footprint-'));
  let cluster: ThrowawayCluster | undefined;
  let admin: pg.Client | undefined;
  try {
    await loadModule();
    const rng = new Rng(seed);
    const schema = makeSchema(nTables, rng);
    const all = new WorkloadGenerator(schema, rng).generate(Math.max(...sizes));
    log('footprint: starting a throwaway PostgreSQL…');
    const database = 'footprint';
    cluster = await startThrowawayCluster({ database, log });
    await loadSchema(cluster.url, schema);
    const versions = await serverVersions(cluster.url);
    const setup = new pg.Client({ connectionString: cluster.url });
    await setup.connect();
    try {
      // Two monitoring roles: one may run DO blocks (PUBLIC's USAGE on PL/pgSQL, the default), one may not.
      await setup.query('REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC');
      for (const role of [QUIET_ROLE, PLAIN_ROLE]) {
        await setup.query(`CREATE ROLE ${role} LOGIN IN ROLE pg_monitor`);
        await setup.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      }
      await setup.query(`GRANT USAGE ON LANGUAGE plpgsql TO ${QUIET_ROLE}`);
      const settings = await setup.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('pg_stat_statements.track', 'pg_stat_statements.track_utility', 'pg_stat_statements.max') ORDER BY name",
      );
      log(`footprint: ${settings.rows.map((s) => `${s.name} = ${s.setting}`).join(', ')}`);
    } finally {
      await setup.end();
    }
    // Counted from another database: the bench's own queries are not the target's entries.
    const adminUrl = new URL(cluster.url);
    adminUrl.pathname = '/postgres';
    admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

    const runs: Array<{ size: number; quiet: Footprint; plain: Footprint }> = [];
    for (const size of sizes) {
      const file = path.join(tmp, `footprint-${size}.json`);
      writeFileSync(
        file,
        JSON.stringify({ statements: all.slice(0, size).map((s) => ({ name: s.name, query: s.query, calls: s.calls })) }),
      );
      const times = { plain: [] as number[], quiet: [] as number[] };
      let plain: Footprint | undefined;
      let quiet: Footprint | undefined;
      for (let rep = 0; rep < repeats; rep++) {
        // Alternating which goes first, so that the machine's other work weighs on both alike.
        for (const kind of rep % 2 === 0 ? (['plain', 'quiet'] as const) : (['quiet', 'plain'] as const)) {
          const role = kind === 'plain' ? PLAIN_ROLE : QUIET_ROLE;
          log(`footprint: advising ${size} statements as ${role}${kind === 'plain' ? ' (no DO block)' : ''} (${rep + 1}/${repeats})…`);
          const f = await adviseCounted(admin, database, withRole(cluster.url, role), file);
          times[kind].push(f.wallMs);
          if (kind === 'plain') plain ??= f;
          else quiet ??= f;
        }
      }
      plain = { ...plain!, wallMs: median(times.plain), allWallMs: times.plain };
      quiet = { ...quiet!, wallMs: median(times.quiet), allWallMs: times.quiet };
      if (quiet.recommendations.join('\n') !== plain.recommendations.join('\n'))
        log(
          `footprint ${size}: the two runs recommend different sets (${quiet.recommendations.length} and ${plain.recommendations.length})`,
        );
      runs.push({ size, quiet, plain });
    }

    const kinds = [...new Set(runs.flatMap((r) => [...Object.keys(r.plain.byKind), ...Object.keys(r.quiet.byKind)]))].sort();
    const out: string[] = ['## Footprint in pg_stat_statements', '', machineLine(machine(versions)), ''];
    out.push(
      `Entries one \`advise()\` run adds to the target database's \`pg_stat_statements\` (default \`track = top\`, \`track_utility = on\`), ` +
        `run as an ordinary monitoring role (\`pg_monitor\`, \`SELECT\` on the tables, no superuser), on the scaling benchmark's schema ` +
        `(${nTables} tables, seed ${seed}) and its N hottest statements from a workload file, \`concurrency: 2\`. "Before" is the role ` +
        'without `USAGE` on PL/pgSQL: the what-if sessions then send every EXPLAIN and PREPARE themselves, as every run did before ' +
        '`src/verify/quietExplain.ts`; "after" (any role with the default privileges) sends each batch of them as three statements whose ' +
        'texts never change (`set_config` of the batch, a `DO` block that runs it, the read of its plans). Same data, same workload, ' +
        `${repeats > 1 ? `${repeats} runs of each, alternating which went first; the wall time is their median (every run's in brackets)` : 'one run after the other; the wall time'} ` +
        'includes opening the sessions (other work on the machine moves it by tens of percent: compare runs of one line of this table).',
      '',
    );
    out.push(mdRow(['statements', 'run', 'entries added', ...kinds, 'what-if calls', 'wall time', 'same recommendations']));
    out.push(mdRow(['---:', '---', '---:', ...kinds.map(() => '---:'), '---:', '---:', '---']));
    for (const r of runs) {
      for (const [label, f] of [
        ['before (no DO)', r.plain],
        ['after', r.quiet],
      ] as const) {
        out.push(
          mdRow([
            fmtInt(r.size),
            label,
            fmtInt(f.entries),
            ...kinds.map((k) => fmtInt(f.byKind[k] ?? 0)),
            fmtInt(f.whatIfCalls),
            `${fmtS(f.wallMs)}${f.allWallMs && f.allWallMs.length > 1 ? ` (${f.allWallMs.map(fmtS).join(', ')})` : ''}`,
            r.quiet.recommendations.join('\n') === r.plain.recommendations.join('\n') ? 'yes' : 'no',
          ]),
        );
      }
    }
    const note = runs[0]?.plain.warnings.find((w) => /DO block/.test(w));
    if (note) out.push('', `The run without the privilege says so in its report: "${note}"`);
    const markdown = out.join('\n');
    updateResults('footprint', markdown);
    const lines = runs.map(
      (r) =>
        `footprint ${fmtInt(r.size)} statements: ${fmtInt(r.plain.entries)} entries before (${fmtS(r.plain.wallMs)}), ` +
        `${fmtInt(r.quiet.entries)} after (${fmtS(r.quiet.wallMs)})`,
    );
    return { markdown, lines };
  } finally {
    await admin?.end().catch(() => {});
    await cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
