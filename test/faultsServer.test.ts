// Faults that need a server of their own (a restart would end the sessions of every other test
// file on the shared one): the server restarted mid-run, and server messages in another language
// (errors are told apart by SQLSTATE, never by their text). Through the built CLI, as users run it.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayCluster, type ThrowawayCluster } from '../tools/cluster/cluster.js';
import {
  closeGate,
  createGate,
  onFreshClient,
  openGate,
  readAdvice,
  readMarkdown,
  startCli,
  terminateAdvisor,
  waitAtGate,
  whileLocked,
} from './support/faults.js';

const DATABASE = 'advisor_faults';
let cluster: ThrowawayCluster | undefined;
/** The non-English locale the server can use for lc_messages, or why there is none. */
let locale: { name: string } | { skip: string };
let localeDir: string | undefined;
const outDirs: string[] = [];
const out = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgia-faults-server-'));
  outDirs.push(dir);
  return dir;
};

/** Languages PostgreSQL translates its messages into, as installed: `de`, `fr`... */
function translatedLanguages(): Set<string> {
  const out = new Set<string>();
  try {
    for (const lang of readdirSync('/usr/share/locale')) {
      const dir = join('/usr/share/locale', lang, 'LC_MESSAGES');
      if (existsSync(dir) && readdirSync(dir).some((f) => /^postgres-\d+\.mo$/.test(f))) out.add(lang);
    }
  } catch {
    // no translations installed
  }
  return out;
}

/**
 * A locale of a language PostgreSQL has messages in: one the system has (`locale -a`), or else one
 * generated with localedef into a folder of its own (about 2 s; LOCPATH points the server at it),
 * which changes nothing on the machine. None: the case is skipped, saying why.
 */
function findLocale(): { name: string; locpath?: string } | { skip: string } {
  const translated = translatedLanguages();
  if (translated.size === 0) return { skip: 'PostgreSQL has no message translations installed (no postgres-NN.mo)' };
  let installed: string[] = [];
  try {
    installed = execFileSync('locale', ['-a'], { encoding: 'utf8' }).split('\n');
  } catch {
    // no locale command: try localedef below
  }
  const usable = installed.find((l) => /\.utf-?8$/i.test(l) && translated.has(l.split('_')[0]!) && !l.startsWith('en_'));
  if (usable) return { name: usable };
  if (!translated.has('de')) return { skip: `no non-English locale installed, and no German translation to generate one for` };
  if (!existsSync('/usr/share/i18n/locales/de_DE'))
    return { skip: 'no non-English locale installed, and no locale sources to generate one' };
  const dir = mkdtempSync(join(tmpdir(), 'pgia-locale-'));
  try {
    execFileSync('localedef', ['-i', 'de_DE', '-f', 'UTF-8', join(dir, 'de_DE.UTF-8')], { stdio: 'ignore' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `no non-English locale installed, and localedef could not generate de_DE.UTF-8 (${(err as Error).message})` };
  }
  // With LOCPATH set, the C library looks only there: initdb's C.UTF-8 must be there too.
  if (existsSync('/usr/lib/locale/C.utf8')) cpSync('/usr/lib/locale/C.utf8', join(dir, 'C.utf8'), { recursive: true });
  // The server runs as the postgres user.
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  chmodSync(dir, 0o755);
  return { name: 'de_DE.UTF-8', locpath: dir };
}

beforeAll(async () => {
  if (process.env.PGIA_DATABASE_URL) return; // an existing server: not ours to restart
  const found = findLocale();
  const before = process.env.LOCPATH;
  if ('locpath' in found && found.locpath) {
    localeDir = found.locpath;
    process.env.LOCPATH = found.locpath; // inherited by the server the cluster starts
  }
  try {
    cluster = await startThrowawayCluster({ database: DATABASE, settings: ['autovacuum = off'] });
  } finally {
    if (before === undefined) delete process.env.LOCPATH;
    else process.env.LOCPATH = before;
  }
  locale = 'skip' in found ? found : { name: found.name };
  if ('skip' in locale) console.log(`[faults] lc_messages case skipped: ${locale.skip}`);
  await onFreshClient(cluster.url, async (c) => {
    await c.query(`
      CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL, shelf int NOT NULL);
      INSERT INTO items SELECT i, 'sku-' || i, i % 50 FROM generate_series(1, 100000) i;
      CREATE TABLE locked_t (id int PRIMARY KEY, code text NOT NULL);
      INSERT INTO locked_t SELECT i, 'c' || i FROM generate_series(1, 50000) i;
      ANALYZE items; ANALYZE locked_t;`);
    await createGate(c);
  });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
  if (localeDir) rmSync(localeDir, { recursive: true, force: true });
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh workload in pg_stat_statements: the gated statement and the others given, 20 calls each. */
async function workload(c: pg.Client, statements: string[]): Promise<void> {
  await c.query('SELECT pg_stat_statements_reset()');
  for (let i = 0; i < 20; i++) for (const sql of statements) await c.query(sql);
}

describe.skipIf(!!process.env.PGIA_DATABASE_URL)('faults on a server of its own', () => {
  it('lc_messages in another language: errors still told apart by SQLSTATE (lock timeout, a lost connection, an untyped parameter)', async (ctx) => {
    if ('skip' in locale) ctx.skip(locale.skip);
    const url = cluster!.url;
    await onFreshClient(url, async (c) => {
      await workload(c, [
        "SELECT id FROM items WHERE sku = 'sku-7'",
        "SELECT id FROM locked_t WHERE code = 'c7'",
        // normalized to jsonb_build_object($1, sku): nothing types $1 (42P18), so it is declared text
        "SELECT jsonb_build_object('k', sku) FROM items WHERE id = 5",
        'SELECT count(*) FROM items WHERE shelf = gate() + 3',
      ]);
      await c.query(`ALTER DATABASE ${DATABASE} SET lc_messages = '${(locale as { name: string }).name}'`);
    });
    try {
      // The server really answers in the other language (else this test would prove nothing).
      const english = await onFreshClient(url, (c) => c.query('SELECT 1/0').catch((e: Error & { code?: string }) => e));
      expect((english as Error & { code?: string }).code).toBe('22012');
      // The portable builds of the version matrix (tools/portable/) have no message translations: the
      // embedded binaries are built without NLS (enable_nls = no), so no .mo file could change that.
      if ((english as Error).message === 'division by zero' && process.env.PGIA_PG_MAJOR) {
        ctx.skip('this server was built without message translations (NLS): lc_messages changes nothing');
      }
      expect((english as Error).message).not.toBe('division by zero');

      const dir = out();
      const r = await whileLocked(url, 'locked_t', async () => {
        await onFreshClient(url, closeGate);
        const run = startCli(['advise', '--db', url, '--out', dir]);
        try {
          await waitAtGate(url, DATABASE);
          expect((await onFreshClient(url, (c) => terminateAdvisor(c, DATABASE))).length).toBeGreaterThan(0);
        } finally {
          await onFreshClient(url, openGate);
        }
        return run;
      });
      expect(r.status, r.stderr).toBe(0);
      const advice = readAdvice(dir);
      const locked = advice.notAdvisable.find((n) => n.query.includes('locked_t'));
      expect(locked?.reason).toMatch(/SQLSTATE 55P03, lock timeout/);
      expect(locked?.reason).not.toMatch(/canceling statement due to lock timeout/);
      expect(advice.warnings.join('\n')).toMatch(/connection was lost \(.*SQLSTATE 57P01.*\); the advisor reconnected/);
      expect(advice.statements.find((s) => s.query.includes('jsonb_build_object'))?.costBefore).toBeGreaterThan(0);
      expect(advice.recommendations.map((x) => x.definition).join('\n')).toMatch(/ON public\.items \(sku\)/);
      expect(advice.partial).toBeUndefined();
    } finally {
      await onFreshClient(url, (c) => c.query(`ALTER DATABASE ${DATABASE} RESET lc_messages`));
    }
  });

  it('the server restarted mid-run: the advisor waits for it, reconnects, costs again and finishes (exit 0)', async () => {
    const url = cluster!.url;
    await onFreshClient(url, async (c) => {
      await workload(c, ["SELECT id FROM items WHERE sku = 'sku-7'", 'SELECT count(*) FROM items WHERE shelf = gate() + 3']);
      await closeGate(c);
    });
    const dir = out();
    const run = startCli(['advise', '--db', url, '--out', dir]);
    try {
      await waitAtGate(url, DATABASE);
      // A fast shutdown ends the advisor's sessions (57P01); connections are refused until it is up.
      await cluster!.restart();
    } finally {
      await onFreshClient(url, openGate);
    }
    const r = await run;
    expect(r.status, r.stderr).toBe(0);
    const advice = readAdvice(dir);
    expect(advice.partial).toBeUndefined();
    expect(advice.warnings.join('\n')).toMatch(/connection was lost \(.*(57P01|terminated|not queryable).*\); the advisor reconnected/);
    expect(advice.statements.find((s) => s.query.includes('gate()'))?.costBefore).toBeGreaterThan(0);
    expect(advice.recommendations.map((x) => x.definition).join('\n')).toMatch(/ON public\.items \(sku\)/);
    expect(advice.audit).toBeDefined();
    expect(readMarkdown(dir)).not.toMatch(/Partial report/);
  });
});
