// --verify-real builds indexes for real: on the target itself, a CREATE INDEX (even rolled back)
// blocks writes to the table while it builds. This tells whether two URLs reach the same database
// of the same server, by what the servers say of themselves, not by how the URLs are spelled.
import { lookup } from 'node:dns/promises';
import type pg from 'pg';
import { connect, redactUrl } from '../db/connect.js';
import { errorScope } from '../db/errors.js';

export interface DatabaseIdentity {
  /** pg_control_system().system_identifier: null where the role may not read it. */
  systemIdentifier: string | null;
  database: string;
  port: string;
  /** inet_server_addr(): null over a Unix socket. */
  address: string | null;
}

export async function databaseIdentity(client: pg.Client): Promise<DatabaseIdentity> {
  const r = await client.query(
    `SELECT current_database() AS database, current_setting('port') AS port, host(inet_server_addr()) AS address`,
  );
  const row = r.rows[0] as { database: string; port: string; address: string | null };
  let systemIdentifier: string | null = null;
  try {
    const s = await client.query('SELECT system_identifier::text AS id FROM pg_control_system()');
    systemIdentifier = (s.rows[0] as { id: string }).id;
  } catch (err) {
    // Not permitted (a statement's error): host and port decide. A lost connection is not that.
    if (errorScope(err, client) === 'connection') throw err;
  }
  return { systemIdentifier, database: row.database, port: row.port, address: row.address };
}

/** The host names of a URL resolved to addresses ('' stands for a Unix socket or the default host). */
async function addresses(url: string): Promise<Set<string>> {
  let host = '';
  try {
    host = decodeURIComponent(new URL(url).hostname);
  } catch {
    return new Set();
  }
  if (!host || host.startsWith('/')) return new Set(['local']);
  try {
    const all = await lookup(host.replace(/^\[|\]$/g, ''), { all: true });
    return new Set(all.map((a) => (a.address === '::1' || a.address.startsWith('127.') ? 'local' : a.address)));
  } catch {
    return new Set([host]);
  }
}

/** Same server (system identifier, or address and port) and same database. */
export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity, sameHost: boolean): boolean {
  if (a.database !== b.database) return false;
  if (a.systemIdentifier && b.systemIdentifier) return a.systemIdentifier === b.systemIdentifier && a.port === b.port;
  return a.port === b.port && (sameHost || (a.address !== null && a.address === b.address));
}

export class SameDatabaseError extends Error {
  constructor(target: string, scratch: string) {
    super(
      `--verify-real ${redactUrl(scratch)} is the target database itself (${redactUrl(target)}): building an index there blocks ` +
        'writes to its table while it builds, even in a transaction that is rolled back. Point --verify-real at a copy ' +
        '(e.g. CREATE DATABASE scratch TEMPLATE app, or a restored backup), or add --verify-real-on-target if you mean it.',
    );
    this.name = 'SameDatabaseError';
  }
}

/** Throws SameDatabaseError when the scratch URL reaches the target's database. */
export async function refuseTargetAsScratch(targetUrl: string, scratchUrl: string, statementTimeoutMs: number): Promise<void> {
  const [ta, sa] = await Promise.all([addresses(targetUrl), addresses(scratchUrl)]);
  const sameHost = [...ta].some((x) => sa.has(x));
  const ids: DatabaseIdentity[] = [];
  for (const url of [targetUrl, scratchUrl]) {
    const client = await connect(url, { statementTimeoutMs });
    try {
      ids.push(await databaseIdentity(client));
    } finally {
      await client.end().catch(() => {});
    }
  }
  if (sameDatabase(ids[0]!, ids[1]!, sameHost)) throw new SameDatabaseError(targetUrl, scratchUrl);
}
