// `npm run demo`: a throwaway PostgreSQL, the bundled shop workload loaded and replayed so that
// pg_stat_statements fills up, the advisor run against it, the report written, the server stopped.
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { terminalProgress } from '../../src/cli/progress.js';
import { nightlyReport } from '../../src/nightly.js';
import { adviceMarkdown } from '../../src/report/markdown.js';
import { writeAdviceReports } from '../../src/report/writeReports.js';
import { ensureChromium } from '../browser/chromium.js';
import { screenshot } from '../browser/headless.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../cluster/cluster.js';
import { SetupError } from '../cluster/setup.js';
import { loadWorkload, replayWorkload } from './replay.js';

// The repository root: the nearest folder above this file with a package.json (this file runs from
// tools/demo/ as TypeScript and from dist-tools/tools/demo/ compiled).
function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

const root = repoRoot();

export async function runDemo(opts: { workload?: string; out?: string } = {}): Promise<number> {
  const workloadDir = resolve(root, opts.workload ?? 'workloads/shop');
  const outDir = resolve(root, opts.out ?? 'reports/demo');
  const log = (m: string) => console.error(`[demo] ${m}`);
  let cluster: ThrowawayCluster | undefined;
  try {
    log('starting a throwaway PostgreSQL (initdb in a temp dir, pg_stat_statements preloaded, hypopg)…');
    cluster = await startThrowawayCluster({ database: 'advisor_demo', log });
    log(`PostgreSQL ${cluster.version} on ${cluster.host}:${cluster.port}`);

    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      let t = Date.now();
      log(`loading ${relative(root, workloadDir)} (schema and deterministic data)…`);
      await loadWorkload(client, workloadDir);
      log(`loaded in ${((Date.now() - t) / 1000).toFixed(1)} s; replaying the query mix…`);
      await client.query('SELECT pg_stat_statements_reset()');
      t = Date.now();
      const replay = await replayWorkload(client, workloadDir, { concurrency: 2 });
      log(`replayed ${replay.executed} calls in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      for (const f of replay.failed) log(`statement ${f.name} failed during replay: ${f.error}`);
    } finally {
      await client.end();
    }

    // As a user runs it: pg_stat_statements, the defaults, no scratch database (GIN and GiST are
    // judged by the cost model; --verify-real would build them for real).
    log('advising with the defaults of `pg-index-advisor advise --db URL`…');
    const result = await nightlyReport({ url: cluster.url, progress: terminalProgress() });
    const files = await writeAdviceReports(result, outDir);
    console.log(adviceMarkdown(result));
    log(
      `report written to ${relative(process.cwd(), files.markdown)} (also ${relative(process.cwd(), files.json)}, ${relative(process.cwd(), files.up)})`,
    );
    await screenshotReport(files.html!, join(outDir, 'advice.png'), log);
    return 0;
  } catch (err) {
    if (err instanceof SetupError) {
      console.error(`The demo needs PostgreSQL with hypopg on this machine:\n${err.message}`);
      return 2;
    }
    console.error(`demo failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await cluster?.stop();
  }
}

/** A picture of advice.html's first screens (figures, charts, the recommendations) where a Chromium is installed. */
async function screenshotReport(html: string, png: string, log: (m: string) => void): Promise<void> {
  const chromium = await ensureChromium({ log, install: false });
  if (!chromium.ok) return log(`no screenshot of advice.html: ${chromium.reason}`);
  try {
    await screenshot(chromium.path, html, png, { width: 1280, height: 2200 });
    log(`screenshot of ${relative(process.cwd(), html)}: ${relative(process.cwd(), png)}`);
  } catch (err) {
    log(`no screenshot of advice.html: ${(err as Error).message.split('\n')[0]}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const workload = process.argv[2];
  process.exitCode = await runDemo(workload ? { workload, out: join('reports', 'demo') } : {});
}
