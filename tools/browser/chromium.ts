// Finds a Chromium to check the HTML report in a real browser, and on Debian installs the
// `chromium` package with apt-get when we are root, the way tools/cluster/setup.ts installs hypopg.
// Where it cannot be had, the reason says what to run; the browser tests are skipped with it.
//
// Env:
//   CHROMIUM_BIN     a Chromium or Chrome executable to use instead of looking on the PATH
//   PGIA_NO_INSTALL  "1": never run apt-get

import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export type ChromiumLookup = { ok: true; path: string; version: string } | { ok: false; reason: string };

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return undefined;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) =>
      resolve({ code: err ? 1 : 0, out: stdout }),
    );
  });
}

/** The browser's version line, or undefined when it does not start (a snap stub, a broken install). */
async function versionOf(bin: string): Promise<string | undefined> {
  const { code, out } = await run(bin, ['--version'], 60_000);
  // Debian's wrapper script may print shell noise on stderr; the version is the stdout line that names it.
  return code === 0
    ? out
        .split('\n')
        .find((l) => /\b(Chromium|Chrome)\b.*\d+\.\d+/.test(l))
        ?.trim()
    : undefined;
}

async function found(): Promise<ChromiumLookup | undefined> {
  const explicit = process.env.CHROMIUM_BIN?.trim();
  const bins = explicit ? [explicit] : NAMES.map(onPath).filter((b): b is string => b !== undefined);
  for (const bin of bins) {
    const version = await versionOf(bin);
    if (version) return { ok: true, path: bin, version };
  }
  if (explicit) return { ok: false, reason: `CHROMIUM_BIN=${explicit} does not run (${explicit} --version failed)` };
  return undefined;
}

async function aptGet(args: string[], log: (msg: string) => void): Promise<void> {
  const child = spawn('apt-get', ['-o', 'DPkg::Lock::Timeout=600', '-y', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', LANG: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kept: string[] = [];
  const keep = (b: Buffer) => {
    kept.push(b.toString('utf8'));
    if (kept.length > 200) kept.splice(0, kept.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    log(kept.join('').split('\n').slice(-15).join('\n'));
    throw new Error(`apt-get ${args.join(' ')} failed (exit ${code})`);
  }
}

const HOW = 'install it with `sudo apt-get install -y chromium` (Debian) or set CHROMIUM_BIN to a Chromium or Chrome executable';

/**
 * A Chromium that starts. When none is installed and we are root on a machine with apt-get (and
 * PGIA_NO_INSTALL is not 1), installs Debian's `chromium` package first, saying so. Never throws:
 * where no browser can be had, the reason says why and what to run.
 */
export async function ensureChromium(opts: { log: (msg: string) => void; install?: boolean }): Promise<ChromiumLookup> {
  const have = await found();
  if (have) return have;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (opts.install === false || process.env.PGIA_NO_INSTALL === '1')
    return { ok: false, reason: `no Chromium found (PGIA_NO_INSTALL=1): ${HOW}` };
  if (!root || !onPath('apt-get'))
    return { ok: false, reason: `no Chromium found and apt-get cannot install it here (not root, or not Debian): ${HOW}` };
  const t0 = Date.now();
  try {
    opts.log('chromium is missing; installing Debian’s chromium package with apt-get (root)…');
    try {
      await aptGet(['install', '--no-install-recommends', 'chromium'], opts.log);
    } catch {
      // No package or stale lists (a 404 for an old version): refresh once and retry.
      opts.log('apt-get install chromium failed; refreshing the package lists (apt-get update) and retrying…');
      await aptGet(['update'], opts.log);
      await aptGet(['install', '--no-install-recommends', 'chromium'], opts.log);
    }
  } catch (err) {
    return { ok: false, reason: `installing chromium with apt-get failed (${(err as Error).message}): ${HOW}` };
  }
  opts.log(`installed chromium in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return (await found()) ?? { ok: false, reason: `apt-get installed chromium but no chromium starts: ${HOW}` };
}
