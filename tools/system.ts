// What the set-up tools (the cluster, the portable builds, the browser) ask of the machine: is a
// command there, are we root, and apt-get to install what is missing, with the output kept for the
// error message (or shown with PGIA_VERBOSE=1).
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SetupError } from './cluster/setupError.js';

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `cmd` is on the PATH, or undefined. */
export function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return undefined;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', LANG: 'C' };

export interface AptOptions {
  /** Show apt-get's output through `log` as it comes, else keep its end for the error. */
  verbose?: boolean;
  /** How long to wait for another apt or dpkg to release its lock (seconds). */
  lockTimeoutS?: number;
}

/** Runs apt-get; a failure throws a SetupError that ends with the end of its output. */
export async function aptGet(args: string[], log: (msg: string) => void, opts: AptOptions = {}): Promise<void> {
  const fullArgs = ['-o', `DPkg::Lock::Timeout=${opts.lockTimeoutS ?? 300}`, '-y', ...args];
  const child = spawn('apt-get', fullArgs, { env: APT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const kept: string[] = [];
  const onData = (buf: Buffer) => {
    const text = buf.toString('utf8');
    if (opts.verbose) {
      for (const line of text.split('\n')) if (line.trim()) log(`  apt: ${line}`);
    } else {
      kept.push(text);
      if (kept.length > 400) kept.splice(0, kept.length - 400);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  if (code !== 0) {
    const tail = kept.join('').split('\n').slice(-25).join('\n');
    throw new SetupError(`apt-get ${args.join(' ')} failed (exit ${code})${tail ? `:\n${tail}` : ''}`);
  }
}

/**
 * `apt-get install --no-install-recommends` of `pkgs`; when it fails (stale package lists: a 404
 * for an old version), the lists are refreshed once and it is tried again, unless `listsFresh`.
 */
export async function aptInstall(
  pkgs: string[],
  log: (msg: string) => void,
  opts: AptOptions & { listsFresh?: boolean } = {},
): Promise<void> {
  const install = () => aptGet(['install', '--no-install-recommends', ...pkgs], log, opts);
  try {
    await install();
  } catch (err) {
    if (opts.listsFresh) throw err;
    log(`apt-get install ${pkgs.join(' ')} failed; refreshing the package lists (apt-get update) and retrying…`);
    await aptGet(['update'], log, opts);
    await install();
  }
}
