// The history as a folder of JSON files, the simplest to read and to back up:
//
//   DIR/<target>/lock                              while a run is on: {"pid", "host", "startedAt"}
//   DIR/<target>/snapshots/<takenAt>.json          one per run (Snapshot, src/types.ts), ':' as '-'
//
// <target> is the target's key (host:port/database) with every character but [A-Za-z0-9._-] as '_'.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Snapshot } from '../types.js';
import { HistoryLockedError, type HistoryStore } from './store.js';

/** A lock left by a run on another machine is taken over after this long (its pid cannot be checked from here). */
export const FOREIGN_LOCK_STALE_MS = 24 * 3600 * 1000;

interface LockFile {
  pid: number;
  host: string;
  startedAt: string;
}

export async function openFolderStore(dir: string): Promise<HistoryStore> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const folder = (target: string) => join(root, target.replace(/[^A-Za-z0-9._-]/g, '_'));
  const snapshotsOf = (target: string) => join(folder(target), 'snapshots');

  /** The file names, oldest first: `<takenAt>.json` with ':' as '-' sorts as the times do. */
  async function files(target: string): Promise<string[]> {
    try {
      return (await readdir(snapshotsOf(target))).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
  const read = async (target: string, name: string) => JSON.parse(await readFile(join(snapshotsOf(target), name), 'utf8')) as Snapshot;

  async function snapshots(target: string, after?: string): Promise<Snapshot[]> {
    // Only the files after `after` are read: a year of nights is not parsed for the last week.
    const from = after === undefined ? undefined : `${after.replace(/:/g, '-')}.json`;
    const names = (await files(target)).filter((n) => from === undefined || n > from);
    const out: Snapshot[] = [];
    for (const n of names) {
      const s = await read(target, n);
      if (after === undefined || s.takenAt > after) out.push(s);
    }
    return out;
  }

  return {
    where: root,
    async lock(target) {
      await mkdir(folder(target), { recursive: true });
      const path = join(folder(target), 'lock');
      const mine: LockFile = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
      for (let attempt = 0; attempt < 2; attempt++) {
        // Written in full beside it, then linked into place: link() fails if the lock exists, so of two
        // runs starting together one gets it, and nobody ever reads half a lock file.
        const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
        await writeFile(tmp, `${JSON.stringify(mine)}\n`);
        try {
          await link(tmp, path);
          return async () => {
            await rm(path, { force: true });
          };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        } finally {
          await rm(tmp, { force: true });
        }
        const held = await readLock(path);
        if (held && !isStale(held)) {
          throw new HistoryLockedError(
            `another run against ${target} is on (pid ${held.pid} on ${held.host}, since ${held.startedAt}; lock file ${path})`,
          );
        }
        // Stale: its process is gone. Removed once; if another run takes it meanwhile, the second try says so.
        await rm(path, { force: true });
      }
      throw new HistoryLockedError(`another run against ${target} took the lock (${path})`);
    },
    snapshots,
    async latest(target) {
      const last = (await files(target)).at(-1);
      return last ? read(target, last) : undefined;
    },
    async save(target, snapshot) {
      await mkdir(snapshotsOf(target), { recursive: true });
      const file = join(snapshotsOf(target), `${snapshot.takenAt.replace(/:/g, '-')}.json`);
      // Written beside, then renamed: a reader never sees half a snapshot.
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, `${JSON.stringify(snapshot, null, 2)}\n`);
      await rename(tmp, file);
    },
    async close() {},
  };
}

async function readLock(path: string): Promise<LockFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockFile;
  } catch {
    // Vanished meanwhile, or not ours to read as JSON: try again.
    return undefined;
  }
}

/** A lock of this machine whose process is gone, or one of another machine older than a day. */
function isStale(lock: LockFile): boolean {
  if (lock.host !== hostname()) return Date.now() - Date.parse(lock.startedAt) > FOREIGN_LOCK_STALE_MS;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
