// One error policy for every session of the run, told by SQLSTATE (`err.code`), never by message
// text (which follows the server's lc_messages):
// - an error that belongs to one statement (a missing function or operator, a permission, a lock
//   or statement timeout on that statement) skips that statement or candidate, with its reason;
// - an error that belongs to the connection (class 08, an administrator's or a crash's shutdown,
//   a socket closed under node-postgres) makes the session reconnect and retry once; if that fails
//   too, the run ends with what it has, marked partial (ConnectionLostError).
import type pg from 'pg';

export type ErrorScope = 'connection' | 'statement';

/** SQLSTATEs that end the session rather than the statement (besides class 08, connection_exception). */
const CONNECTION_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend(), a fast shutdown or restart
  '57P02', // crash_shutdown: another backend crashed and the server reinitialises
  '57P03', // cannot_connect_now: the server is starting up or shutting down
  '57P05', // idle_session_timeout
]);

/** Clients whose socket failed or closed: whatever they throw now is the connection's, whatever its text. */
const lostClients = new WeakSet<pg.Client>();

/**
 * Watches a client so that later errors can be told apart: node-postgres reports a dead socket
 * with errors that carry no SQLSTATE ("Connection terminated unexpectedly", "not queryable").
 */
export function watchConnection(client: pg.Client): void {
  client.on('error', () => lostClients.add(client));
  client.on('end', () => lostClients.add(client));
}

/** The client's connection failed or closed. */
export function isLost(client: pg.Client): boolean {
  return lostClients.has(client);
}

/**
 * A five-character SQLSTATE, as the server sends it (node-postgres: `err.code`). Node's socket
 * errors share the field (`EPIPE` has five letters too): no SQLSTATE class begins with E.
 */
export function sqlstateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code) ? code : undefined;
}

/**
 * Whether the error ends the session (reconnect) or only the statement (skip it). An error without
 * a SQLSTATE is the connection's when it is a socket error (`ECONNRESET`, `EPIPE`...), when the
 * client is known to have lost its connection, or when the advisor itself gave up on the session.
 */
export function errorScope(err: unknown, client?: pg.Client): ErrorScope {
  if (err instanceof SessionLostError || err instanceof ConnectionLostError) return 'connection';
  const state = sqlstateOf(err);
  if (state) return state.startsWith('08') || CONNECTION_SQLSTATES.has(state) ? 'connection' : 'statement';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'connection';
  if (client && isLost(client)) return 'connection';
  return 'statement';
}

/** Whether a failed attempt to connect may succeed a moment later (a restart, a failover), by SQLSTATE or socket error. */
export function serverMayComeBack(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const state = sqlstateOf(cause);
  // 53300 too_many_connections: a slot may free up.
  if (state) return state.startsWith('08') || CONNECTION_SQLSTATES.has(state) || state === '53300';
  const code = (cause as { code?: unknown } | null)?.code;
  // No SQLSTATE and no errno: node-postgres saw the socket close during the start-up.
  return code === undefined || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(String(code));
}

/** Why a statement was skipped, in words that do not depend on the server's language. */
const STATEMENT_SQLSTATES: Record<string, string> = {
  '55P03': 'lock timeout: a table it needs was locked by another session',
  '57014': 'statement timeout (raise it with --statement-timeout)',
  '42501': "permission denied: the advisor's role may not read a table it needs",
  '42883': 'no function or operator takes these argument types',
  '42725': 'more than one function or operator takes these argument types',
  '42P18': 'a parameter has no type the server can determine',
  '42P01': 'a table it reads does not exist',
  '42703': 'a column it reads does not exist',
  '53200': 'the server ran out of memory',
  '40P01': 'deadlock',
};

/** The server's first line, then the SQLSTATE and what it means: `… (SQLSTATE 55P03, lock timeout: …)`. */
export function describeDbError(err: unknown): string {
  const message = ((err as Error | null)?.message ?? String(err)).split('\n')[0] ?? '';
  const state = sqlstateOf(err);
  if (!state) return message;
  const meaning = STATEMENT_SQLSTATES[state];
  return `${message} (SQLSTATE ${state}${meaning ? `, ${meaning}` : ''})`;
}

/**
 * The advisor gave up on a session whose state it cannot trust any more (a hypothetical index it
 * could not drop): like a lost connection, it takes a new session.
 */
export class SessionLostError extends Error {
  override name = 'SessionLostError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The connection was lost, and lost again (or could not be made again) after one reconnection: the run ends partial. */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
  constructor(
    /** What the session was doing: `costing statements`, `reading the catalog and the workload`. */
    readonly during: string,
    override readonly cause: unknown,
  ) {
    super(`the connection to the server was lost while ${during} and reconnecting once did not help: ${describeDbError(cause)}`);
  }
}
