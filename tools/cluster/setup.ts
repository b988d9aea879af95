// Finds a PostgreSQL installation that can run the advisor's throwaway cluster (it needs
// hypopg and pg_stat_statements), and on Debian installs hypopg with apt-get when we are root.
//
// Env:
//   PG_BIN           a PostgreSQL bin dir (initdb, pg_ctl, postgres) to use instead of scanning
//                    /usr/lib/postgresql/*/bin
//   PGIA_PG_MAJOR    a major version (15, 17, 18): the local install of that major, else a portable
//                    build of it (17, 18: tools/portable/), cached outside the repository
//   PGIA_NO_INSTALL  "1": never run apt-get, fail with the command to run instead
//   PGIA_VERBOSE     "1": stream apt-get's output
//
// A machine with no local PostgreSQL at all gets the portable build of DEFAULT_PORTABLE_MAJOR.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PORTABLE_MAJOR, isPortableMajor, preparePortablePostgres } from '../portable/portable.js';
import { APT_ENV, aptGet, aptInstall, isExecutable, isRoot, onPath } from '../system.js';
import { SetupError } from './setupError.js';

export interface PostgresInstall {
  /** Major version (15, 16, 17...). */
  version: number;
  /** Directory holding initdb, pg_ctl and postgres. */
  binDir: string;
  /** `<sharedir>/extension/hypopg.control` exists. */
  hypopg: boolean;
  /** `<sharedir>/extension/pg_stat_statements.control` exists. */
  pgStatStatements: boolean;
  /** `<sharedir>/extension/pg_qualstats.control` exists (optional: constants of predicates). */
  pgQualstats: boolean;
}

export { SetupError };

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';
/** Majors tried, newest first, when no installed version has a hypopg package. */
const APT_MAJORS = [18, 17, 16, 15, 14, 13];

function hasServerBinaries(binDir: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((b) => isExecutable(path.join(binDir, b)));
}

function versionOf(binDir: string): number | undefined {
  // Debian layout: /usr/lib/postgresql/NN/bin
  const m = /\/postgresql\/(\d+)\/bin\/?$/.exec(binDir);
  if (m) return Number(m[1]);
  try {
    const out = execFileSync(path.join(binDir, 'postgres'), ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" or "... 9.6.24"
    const v = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(out);
    if (!v) return undefined;
    const major = Number(v[1]);
    return major < 10 && v[2] !== undefined ? Number(`${major}.${v[2]}`) : major;
  } catch {
    return undefined;
  }
}

function shareDirsOf(binDir: string, version: number): string[] {
  const dirs: string[] = [];
  const pgConfig = path.join(binDir, 'pg_config');
  if (isExecutable(pgConfig)) {
    try {
      const out = execFileSync(pgConfig, ['--sharedir'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      }).trim();
      if (out) dirs.push(out);
    } catch {
      // fall through to the guesses
    }
  }
  dirs.push(`/usr/share/postgresql/${version}`);
  // Source / other packaged layouts: <prefix>/share, <prefix>/share/postgresql
  const prefix = path.dirname(binDir);
  dirs.push(path.join(prefix, 'share', 'postgresql'), path.join(prefix, 'share'));
  return dirs;
}

function hasExtension(shareDirs: string[], name: string): boolean {
  return shareDirs.some((d) => existsSync(path.join(d, 'extension', `${name}.control`)));
}

function describeInstall(binDir: string): PostgresInstall | undefined {
  if (!hasServerBinaries(binDir)) return undefined;
  const version = versionOf(binDir);
  if (version === undefined) return undefined;
  const shareDirs = shareDirsOf(binDir, version);
  return {
    version,
    binDir,
    hypopg: hasExtension(shareDirs, 'hypopg'),
    pgStatStatements: hasExtension(shareDirs, 'pg_stat_statements'),
    pgQualstats: hasExtension(shareDirs, 'pg_qualstats'),
  };
}

/**
 * PostgreSQL server installations on this machine: `$PG_BIN` first when set, then
 * /usr/lib/postgresql/NN/bin, newest version first. Only dirs with initdb, pg_ctl and postgres count.
 */
export function findPostgresInstalls(): PostgresInstall[] {
  const binDirs: string[] = [];
  const envBin = process.env.PG_BIN?.trim();
  if (envBin) binDirs.push(path.resolve(envBin));
  let debian: string[] = [];
  try {
    debian = readdirSync(DEBIAN_PG_ROOT)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a))
      .map((d) => path.join(DEBIAN_PG_ROOT, d, 'bin'));
  } catch {
    // not a Debian layout
  }
  binDirs.push(...debian);

  const seen = new Set<string>();
  const installs: PostgresInstall[] = [];
  for (const dir of binDirs) {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const install = describeInstall(dir);
    if (install) installs.push(install);
  }
  return installs;
}

export interface EnsurePostgresOptions {
  log: (msg: string) => void;
  /** false: never run apt-get (default: install when root and apt-get exists, unless PGIA_NO_INSTALL=1). */
  install?: boolean;
  /** Stream apt-get output through `log` (default: PGIA_VERBOSE=1). */
  verbose?: boolean;
}

function usable(installs: PostgresInstall[]): PostgresInstall | undefined {
  // Highest version with both extensions.
  return installs.filter((i) => i.hypopg && i.pgStatStatements).sort((a, b) => b.version - a.version)[0];
}

/** Candidate version of a Debian package, or undefined when apt knows none. */
async function aptCandidate(pkg: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('apt-cache', ['policy', pkg], { env: APT_ENV, encoding: 'utf8', timeout: 60_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      const m = /^\s*Candidate:\s*(\S+)/m.exec(stdout);
      resolve(m && m[1] !== '(none)' ? m[1] : undefined);
    });
  });
}

function manualInstallHelp(what: string, versions: number[]): string {
  const nn = versions[0] ?? 15;
  const pkgs = versions.length > 0 ? `postgresql-${nn}-hypopg` : `postgresql-${nn} postgresql-${nn}-hypopg`;
  return [
    what,
    `Install it with:  sudo apt-get update && sudo apt-get install -y ${pkgs}`,
    `(on Debian/Ubuntu; elsewhere install hypopg for your PostgreSQL, e.g. from https://github.com/HypoPG/hypopg),`,
    `or point PG_BIN at the bin dir of a PostgreSQL that has hypopg and pg_stat_statements,`,
    `or use the image in docker/ (docker build -t pgia-postgres-hypopg:16 docker/; see docker/README.md),`,
    `or set PGIA_DATABASE_URL to a server that has both.`,
  ].join('\n');
}

/**
 * Returns the newest PostgreSQL install that has hypopg and pg_stat_statements. When none has
 * hypopg and we are root on a machine with apt-get, installs it (`postgresql-NN-hypopg` for an
 * installed NN, or `postgresql-NN postgresql-NN-hypopg` for the newest NN apt offers).
 * Throws SetupError with the command to run otherwise.
 */
export async function ensurePostgres(opts: EnsurePostgresOptions): Promise<PostgresInstall> {
  const { log } = opts;
  const verbose = opts.verbose ?? process.env.PGIA_VERBOSE === '1';
  const envBin = process.env.PG_BIN?.trim();
  let installs = findPostgresInstalls();
  if (envBin) {
    // PG_BIN names the one install to use.
    installs = installs.filter((i) => i.binDir === path.resolve(envBin));
    if (installs.length === 0) {
      throw new SetupError(`PG_BIN=${envBin} has no initdb, pg_ctl and postgres executables (or they do not run).`);
    }
  }
  const wanted = wantedMajor();
  if (wanted !== undefined) {
    // PGIA_PG_MAJOR: that major only; the local install when it is complete, else the portable build.
    installs = installs.filter((i) => i.version === wanted);
    const local = usable(installs);
    if (local) return withQualstats(local, opts);
    if (isPortableMajor(wanted) && !envBin) return portableInstall(wanted, log);
    if (envBin) throw new SetupError(`PG_BIN=${envBin} is not PostgreSQL ${wanted} (PGIA_PG_MAJOR=${wanted}).`);
  } else if (installs.length === 0 && !envBin) {
    // No local PostgreSQL at all: the portable build, which changes nothing on the system.
    log(`no local PostgreSQL (no /usr/lib/postgresql/*/bin): using a portable PostgreSQL ${DEFAULT_PORTABLE_MAJOR}`);
    try {
      return await portableInstall(DEFAULT_PORTABLE_MAJOR, log);
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      log(`the portable PostgreSQL could not be prepared (${err.message.split('\n')[0]}); trying the system's packages`);
    }
  }
  const found = usable(installs);
  if (found) return withQualstats(found, opts);

  const versions = installs.map((i) => i.version);
  const missing =
    installs.length === 0
      ? 'No PostgreSQL server binaries found (looked in $PG_BIN and /usr/lib/postgresql/*/bin).'
      : `hypopg is not installed for PostgreSQL ${versions.join(', ')} (found ${installs.map((i) => i.binDir).join(', ')}).`;

  const mayInstall = opts.install !== false && process.env.PGIA_NO_INSTALL !== '1' && isRoot() && onPath('apt-get') && onPath('apt-cache');
  if (!mayInstall) throw new SetupError(manualInstallHelp(missing, versions));
  // PG_BIN names a non-Debian install: apt cannot add hypopg to it.
  if (envBin && !path.resolve(envBin).startsWith(`${DEBIAN_PG_ROOT}/`)) {
    throw new SetupError(manualInstallHelp(`${missing} PG_BIN=${envBin} is not a Debian package install.`, versions));
  }

  const debianVersions = installs.filter((i) => i.binDir.startsWith(`${DEBIAN_PG_ROOT}/`)).map((i) => i.version);

  const pickCandidate = async (): Promise<{ version: number; withServer: boolean } | undefined> => {
    for (const v of debianVersions) {
      if (await aptCandidate(`postgresql-${v}-hypopg`)) return { version: v, withServer: false };
    }
    if (envBin) return undefined;
    for (const v of wanted !== undefined ? [wanted] : APT_MAJORS) {
      if (debianVersions.includes(v)) continue;
      if ((await aptCandidate(`postgresql-${v}-hypopg`)) && (await aptCandidate(`postgresql-${v}`))) {
        return { version: v, withServer: true };
      }
    }
    return undefined;
  };

  let updated = false;
  let choice = await pickCandidate();
  if (!choice) {
    log('hypopg is missing; refreshing the apt package lists (apt-get update)…');
    await aptGet(['update'], log, { verbose });
    updated = true;
    choice = await pickCandidate();
  }
  if (!choice) {
    const tried = [...new Set([...debianVersions, ...(envBin ? [] : wanted !== undefined ? [wanted] : APT_MAJORS)])].join(', ');
    throw new SetupError(manualInstallHelp(`${missing} apt-get offers no postgresql-NN-hypopg package for NN in ${tried}.`, versions));
  }

  const pkgs = choice.withServer
    ? [`postgresql-${choice.version}`, `postgresql-${choice.version}-hypopg`]
    : [`postgresql-${choice.version}-hypopg`];
  log(`hypopg is missing; installing ${pkgs.join(' ')} with apt-get (root)…`);
  const t0 = Date.now();
  await aptInstall(pkgs, log, { verbose, listsFresh: updated });
  log(`installed ${pkgs.join(' ')} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  installs = findPostgresInstalls();
  if (envBin) installs = installs.filter((i) => i.binDir === path.resolve(envBin));
  const after = usable(installs);
  if (!after) {
    throw new SetupError(
      manualInstallHelp(`Installed ${pkgs.join(' ')} but still found no PostgreSQL with hypopg and pg_stat_statements.`, versions),
    );
  }
  return withQualstats(after, opts);
}

/** PGIA_PG_MAJOR as a number, or undefined when unset. */
function wantedMajor(): number | undefined {
  const raw = process.env.PGIA_PG_MAJOR?.trim();
  if (!raw) return undefined;
  const major = Number(raw);
  if (!Number.isInteger(major) || major < 10) throw new SetupError(`PGIA_PG_MAJOR=${raw} is not a PostgreSQL major version (15, 17, 18).`);
  return major;
}

/** The portable build of `major` (tools/portable/), built into the cache when missing. */
async function portableInstall(major: number, log: (msg: string) => void): Promise<PostgresInstall> {
  const portable = await preparePortablePostgres(major, { log });
  const install = describeInstall(portable.binDir);
  if (!install?.hypopg || !install.pgStatStatements) {
    throw new SetupError(`the portable PostgreSQL ${major} in ${path.dirname(portable.binDir)} lacks hypopg or pg_stat_statements`);
  }
  log(
    `using the portable PostgreSQL ${portable.serverVersion} with hypopg ${portable.hypopgVersion} and ${portable.pgQualstatsVersion ? `pg_qualstats ${portable.pgQualstatsVersion}` : 'no pg_qualstats'} ` +
      `(${path.dirname(portable.binDir)}${portable.cached ? ', cached' : ''})`,
  );
  return install;
}

/**
 * pg_qualstats is optional (the advisor reads the constants it records when the target has it): on
 * a Debian install, as root with apt-get, `postgresql-NN-pg-qualstats` is installed like hypopg. Where
 * that cannot be done the cluster runs without it, and says why.
 */
async function withQualstats(install: PostgresInstall, opts: EnsurePostgresOptions): Promise<PostgresInstall> {
  if (install.pgQualstats) return install;
  const pkg = `postgresql-${install.version}-pg-qualstats`;
  const mayInstall =
    opts.install !== false &&
    process.env.PGIA_NO_INSTALL !== '1' &&
    isRoot() &&
    onPath('apt-get') &&
    onPath('apt-cache') &&
    install.binDir.startsWith(`${DEBIAN_PG_ROOT}/`);
  if (!mayInstall) {
    opts.log(`pg_qualstats is not installed for PostgreSQL ${install.version}: the cluster runs without it (${pkg} adds it)`);
    return install;
  }
  const verbose = opts.verbose ?? process.env.PGIA_VERBOSE === '1';
  try {
    if (!(await aptCandidate(pkg))) await aptGet(['update'], opts.log, { verbose });
    if (!(await aptCandidate(pkg))) {
      opts.log(`pg_qualstats is not installed and apt-get offers no ${pkg}: the cluster runs without it`);
      return install;
    }
    opts.log(`pg_qualstats is missing; installing ${pkg} with apt-get (root)…`);
    await aptGet(['install', '--no-install-recommends', pkg], opts.log, { verbose });
  } catch (err) {
    opts.log(`installing ${pkg} failed, the cluster runs without pg_qualstats: ${(err as Error).message.split('\n')[0]}`);
    return install;
  }
  return describeInstall(install.binDir) ?? install;
}
