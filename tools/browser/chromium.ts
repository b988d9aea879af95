// Finds a Chromium to check the HTML report in a real browser, and on Debian installs the
// `chromium` package with apt-get when we are root, the way tools/cluster/setup.ts installs hypopg.
// Where it cannot be had, the reason says what to run; the browser tests are skipped with it.
//
// Env:
//   CHROMIUM_BIN     a Chromium or Chrome executable to use instead of looking on the PATH
//   PGIA_NO_INSTALL  "1": never run apt-get

import { execFile } from 'node:child_process';
import { aptInstall, isRoot, onPath } from '../system.js';

export type ChromiumLookup = { ok: true; path: string; version: string } | { ok: false; reason: string };

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

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

const HOW = 'install it with `sudo apt-get install -y chromium` (Debian) or set CHROMIUM_BIN to a Chromium or Chrome executable';

/**
 * A Chromium that starts. When none is installed and we are root on a machine with apt-get (and
 * PGIA_NO_INSTALL is not 1), installs Debian's `chromium` package first, saying so. Never throws:
 * where no browser can be had, the reason says why and what to run.
 */
export async function ensureChromium(opts: { log: (msg: string) => void; install?: boolean }): Promise<ChromiumLookup> {
  const have = await found();
  if (have) return have;
  if (opts.install === false || process.env.PGIA_NO_INSTALL === '1')
    return { ok: false, reason: `no Chromium found (PGIA_NO_INSTALL=1): ${HOW}` };
  if (!isRoot() || !onPath('apt-get'))
    return { ok: false, reason: `no Chromium found and apt-get cannot install it here (not root, or not Debian): ${HOW}` };
  const t0 = Date.now();
  try {
    opts.log('chromium is missing; installing Debian’s chromium package with apt-get (root)…');
    await aptInstall(['chromium'], opts.log, { lockTimeoutS: 600 });
  } catch (err) {
    // The reason is one line; the end of apt-get's output goes to the log.
    const [first, ...rest] = (err as Error).message.split('\n');
    if (rest.length) opts.log(rest.join('\n'));
    return { ok: false, reason: `installing chromium with apt-get failed (${first}): ${HOW}` };
  }
  opts.log(`installed chromium in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return (await found()) ?? { ok: false, reason: `apt-get installed chromium but no chromium starts: ${HOW}` };
}
