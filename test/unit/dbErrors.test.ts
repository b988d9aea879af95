// The error policy's one decision, statement or connection, by SQLSTATE and never by message text.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  describeDbError,
  errorScope,
  SessionLostError,
  serverMayComeBack,
  watchConnection,
} from '../../src/db/errors.js';

const serverError = (code: string, message = 'Meldung in einer anderen Sprache') => Object.assign(new Error(message), { code });

describe('errorScope', () => {
  it("a statement's errors: lock and statement timeouts, permissions, missing functions, any other SQLSTATE", () => {
    for (const code of ['55P03', '57014', '42501', '42883', '42P18', '22012', 'XX000', '53200'])
      expect(errorScope(serverError(code)), code).toBe('statement');
  });

  it("the connection's: class 08, administrator and crash shutdowns, a starting server, socket errors", () => {
    for (const code of ['08006', '08003', '08P01', '57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE'])
      expect(errorScope(serverError(code)), code).toBe('connection');
    expect(errorScope(new SessionLostError('hypothetical indexes could not be dropped'))).toBe('connection');
  });

  it('an error without a code is the connection’s only when its client lost the connection, whatever its text', () => {
    const client = new EventEmitter() as unknown as pg.Client;
    watchConnection(client);
    const terminated = new Error('Connection terminated unexpectedly');
    expect(errorScope(terminated, client)).toBe('statement');
    expect(errorScope(new Error('a bug'))).toBe('statement');
    client.emit('error', terminated);
    expect(errorScope(new Error('Client has encountered a connection error and is not queryable'), client)).toBe('connection');
  });

  it('the message text never decides', () => {
    expect(errorScope(serverError('42501', 'terminating connection due to administrator command'))).toBe('statement');
    expect(errorScope(serverError('57P01', 'permission denied'))).toBe('connection');
  });
});

describe('serverMayComeBack and describeDbError', () => {
  it('waits for a server that refuses or starts up, not for a wrong password or a missing database', () => {
    expect(serverMayComeBack({ cause: serverError('57P03') })).toBe(true);
    expect(serverMayComeBack({ cause: serverError('ECONNREFUSED') })).toBe(true);
    expect(serverMayComeBack({ cause: serverError('28P01') })).toBe(false);
    expect(serverMayComeBack({ cause: serverError('3D000') })).toBe(false);
  });

  it('says the SQLSTATE and what it means in words that do not depend on lc_messages', () => {
    expect(describeDbError(serverError('55P03', 'Abbruch des Befehls wegen Zeitüberschreitung einer Sperre\nDETAIL'))).toBe(
      'Abbruch des Befehls wegen Zeitüberschreitung einer Sperre (SQLSTATE 55P03, lock timeout: a table it needs was locked by another session)',
    );
    expect(describeDbError(new Error('Connection terminated'))).toBe('Connection terminated');
    expect(new ConnectionLostError('costing statements', serverError('57P01', 'weg')).message).toBe(
      'the connection to the server was lost while costing statements and reconnecting once did not help: weg (SQLSTATE 57P01)',
    );
  });
});
