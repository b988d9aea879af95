// The history store: one interface, two backends. A folder of JSON files (`--history DIR`,
// ./folderStore.ts) and a PostgreSQL database (`--history postgresql://…`, ./postgresStore.ts,
// which creates and migrates its own schema). Either one also keeps two runs against the same
// target from overlapping: the lock lives in the store, never in the target, so a read replica
// can be advised.
import type { Snapshot } from '../types.js';
import { openFolderStore } from './folderStore.js';
import { openPostgresStore } from './postgresStore.js';

export interface HistoryStore {
  /** Where the history is, for reports (a folder, or a URL without its password). */
  readonly where: string;
  /** Takes the target's lock for the run, or throws HistoryLockedError. The function releases it. */
  lock(target: string): Promise<() => Promise<void>>;
  /** The target's snapshots taken after `after` (every one when absent), oldest first. */
  snapshots(target: string, after?: string): Promise<Snapshot[]>;
  /** The target's latest snapshot. */
  latest(target: string): Promise<Snapshot | undefined>;
  save(target: string, snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** Another run against the same target holds the lock (exit status 5). */
export class HistoryLockedError extends Error {
  override name = 'HistoryLockedError';
}

/** A PostgreSQL URL names a history database; anything else is a folder. */
export async function openHistory(spec: string): Promise<HistoryStore> {
  return /^postgres(ql)?:\/\//i.test(spec) ? openPostgresStore(spec) : openFolderStore(spec);
}

/**
 * The name a target's history is kept under: host, port and database, without user or password
 * (the same database reached as another role is the same history). `--history-key` overrides it.
 */
export function targetKey(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || u.searchParams.get('dbname') || '';
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}/${db}`;
  } catch {
    return url.replace(/\/\/[^@]*@/, '//');
  }
}
