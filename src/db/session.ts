// A short piece of work on a session of its own (the catalog and workload read, the audit's), under
// the error policy of ./errors.ts: the connection lost, the work is done once more on a new one;
// lost again, ConnectionLostError, and the run ends with what it has.
import type pg from 'pg';
import { type ConnectOptions, connect, reconnect } from './connect.js';
import { ConnectionLostError, describeDbError, errorScope } from './errors.js';

/**
 * Runs `work` on a new session and closes it. A failure to connect at first is the user's to fix
 * (a URL, a password) and goes on as it is; a connection lost during the work makes one more try
 * on a new session (waiting for a restarting server), and `onReconnect` hears why.
 */
export async function withSession<T>(
  url: string,
  opts: ConnectOptions,
  during: string,
  work: (client: pg.Client) => Promise<T>,
  onReconnect?: (reason: string) => void,
): Promise<T> {
  const first = await connect(url, opts);
  let lost: unknown;
  try {
    return await work(first);
  } catch (err) {
    if (errorScope(err, first) !== 'connection') throw err;
    lost = err;
  } finally {
    await first.end().catch(() => {});
  }
  let again: pg.Client;
  try {
    again = await reconnect(url, opts);
  } catch (err) {
    throw new ConnectionLostError(during, err);
  }
  onReconnect?.(`the connection was lost while ${during} (${describeDbError(lost)}); the advisor reconnected and did it again`);
  try {
    return await work(again);
  } catch (err) {
    if (errorScope(err, again) === 'connection') throw new ConnectionLostError(during, err);
    throw err;
  } finally {
    await again.end().catch(() => {});
  }
}

/** Whether the error, or the one it wraps (an AuditError's cause), is a lost connection. */
export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof ConnectionLostError) return true;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return errorScope(err) === 'connection' || (cause !== undefined && errorScope(cause) === 'connection');
}
