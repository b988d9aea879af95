// Fetches files from the Debian archive without touching the system's apt setup: packages of other
// suites (trixie, sid) through a private apt configuration (its own source list, package lists and
// cache under `workDir`), and source tarballs straight from the mirror's pool, checked by sha256.
//
// Only build inputs come from here (server headers, extension sources, and pg_qualstats's module,
// whose package needs only glibc 2.14). Binary packages of newer suites are never installed: most
// need a newer glibc than Debian 12 has.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../cluster/setupError.js';

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The Debian mirror the system already uses (its sources), else deb.debian.org. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d')) files.push(path.join('/etc/apt/sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  for (const f of files) {
    if (!/\.(list|sources)$/.test(f)) continue;
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    // The main archive, not debian-security or a third-party repository.
    const m = /(https?:\/\/[^\s\]]+\/debian)\/?(?=\s|$)/m.exec(text.replace(/^\s*#.*$/gm, ''));
    if (m) return m[1]!;
  }
  return DEFAULT_MIRROR;
}

export interface CommandResult {
  code: number;
  output: string;
}

export function runCommand(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', LANG: 'C' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout ?? ''}${stderr ?? ''}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}` });
      },
    );
  });
}

/** Runs a command and throws a SetupError with the end of its output when it fails. */
export async function mustRun(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const res = await runCommand(cmd, args, opts);
  if (res.code !== 0) {
    const tail = res.output.trimEnd().split('\n').slice(-20).join('\n');
    throw new SetupError(`${cmd} ${args.join(' ')} failed (exit ${res.code}):\n${tail}`);
  }
  return res.output;
}

/** apt-get with a private configuration: the system's sources, lists and cache are left alone. */
export class PrivateApt {
  private updated = false;
  private readonly sourceList: string;
  private readonly lists: string;
  private readonly cache: string;

  constructor(
    workDir: string,
    private readonly suites: string[],
    private readonly log: (msg: string) => void,
  ) {
    this.sourceList = path.join(workDir, 'sources.list');
    this.lists = path.join(workDir, 'lists');
    this.cache = path.join(workDir, 'cache');
  }

  private options(): string[] {
    const opts = [
      `Dir::Etc::sourcelist=${this.sourceList}`,
      'Dir::Etc::sourceparts=-',
      `Dir::State::Lists=${this.lists}`,
      `Dir::Cache=${this.cache}`,
      'APT::Get::List-Cleanup=0',
    ];
    // As root, apt hands downloads to the _apt user, who cannot write into our folders.
    if (process.getuid?.() === 0) opts.push('APT::Sandbox::User=root');
    return opts.flatMap((o) => ['-o', o]);
  }

  private async update(): Promise<void> {
    if (this.updated) return;
    if (!existsSync(KEYRING))
      throw new SetupError(`${KEYRING} is missing: install debian-archive-keyring (apt-get install debian-archive-keyring).`);
    mkdirSync(path.join(this.lists, 'partial'), { recursive: true });
    mkdirSync(path.join(this.cache, 'archives', 'partial'), { recursive: true });
    const mirror = debianMirror();
    writeFileSync(this.sourceList, this.suites.map((s) => `deb [signed-by=${KEYRING}] ${mirror} ${s} main\n`).join(''));
    this.log(`reading the package lists of Debian ${this.suites.join(', ')} from ${mirror} (a private apt configuration)…`);
    await mustRun('apt-get', [...this.options(), 'update']);
    this.updated = true;
  }

  /** Downloads the .deb of `pkg` into `destDir` and returns its path. */
  async download(pkg: string, destDir: string): Promise<string> {
    await this.update();
    mkdirSync(destDir, { recursive: true });
    await mustRun('apt-get', [...this.options(), 'download', pkg], { cwd: destDir });
    const deb = readdirSync(destDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw new SetupError(`apt-get download ${pkg} reported success but left no ${pkg}_*.deb in ${destDir}`);
    return path.join(destDir, deb);
  }
}

/** Downloads `poolPath` (e.g. pool/main/h/hypopg/x.tar.gz) from the mirror into `dest`, unless a copy with `sha256` is there. */
export async function fetchFromPool(poolPath: string, sha256: string, dest: string, log: (msg: string) => void): Promise<void> {
  const digest = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
  if (existsSync(dest) && digest(readFileSync(dest)) === sha256) return;
  const url = `${debianMirror()}/${poolPath}`;
  log(`downloading ${url}…`);
  let body: Buffer;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new SetupError(`could not download ${url}: ${(err as Error).message}`);
  }
  const got = digest(body);
  if (got !== sha256) throw new SetupError(`${url} has sha256 ${got}, expected ${sha256}: refusing to build from it.`);
  writeFileSync(`${dest}.part`, body);
  renameSync(`${dest}.part`, dest);
}
