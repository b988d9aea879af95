// PlanCoster's retries with other parameter types, on a scripted client: errors are told apart by
// SQLSTATE and located by their position, so a server that answers in another language is served
// the same way (the messages below are German on purpose).
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { paramSiteAt } from '../../src/parse/paramSites.js';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import { PlanCoster } from '../../src/verify/planCoster.js';

const plan = { rows: [{ 'QUERY PLAN': [{ Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 't', 'Total Cost': 42, 'Plan Rows': 1 } }] }] };

/** A client that plans a PREPARE only with the declared types `accept`, and fails otherwise with `fail(sql)`. */
function scriptedClient(accept: string, fail: (sql: string) => Error, catalog: (sql: string) => unknown[] = () => []) {
  const sent: string[] = [];
  const client = {
    async query(sql: string) {
      sent.push(sql);
      if (/^SET |^DEALLOCATE/.test(sql)) return {};
      if (sql.includes('FROM pg_proc') || sql.includes('FROM pg_operator')) return { rows: catalog(sql) };
      if (sql.startsWith(`PREPARE pgia_plan(${accept}) AS`)) return [{}, plan, {}];
      throw fail(sql);
    },
  };
  return { client: client as unknown as pg.Client, sent };
}

const serverError = (code: string, message: string, position?: number) =>
  Object.assign(new Error(message), { code, ...(position ? { position: String(position) } : {}) });

beforeAll(async () => {
  await ensureParser();
});

describe('PlanCoster: parameter types the server rejects', () => {
  it('declares text a parameter nothing types (42P18), whatever language the message is in', async () => {
    const p = parseStatement({ id: 'j', query: 'SELECT jsonb_build_object($1, a) FROM t WHERE id = $2' });
    const { client } = scriptedClient('text, unknown', () => serverError('42P18', 'konnte Datentyp von Parameter $1 nicht ermitteln'));
    const r = await new PlanCoster(client, 15).cost(p);
    expect(r).toMatchObject({ ok: true, cost: 42 });
  });

  it("retries a function's arguments with the types its pg_proc signatures take, found by the error's position (42883)", async () => {
    const p = parseStatement({ id: 'm', query: 'SELECT * FROM t WHERE ts > now() - make_interval(hours => $1 * $2)' });
    expect(p.paramTypes).toEqual(['numeric', 'numeric']);
    const { client, sent } = scriptedClient(
      'integer, integer',
      (sql) => serverError('42883', 'Funktion existiert nicht', sql.indexOf('make_interval') + 1),
      () => [
        {
          types: ['integer', 'integer', 'integer', 'integer', 'integer', 'integer', 'double precision'],
          names: ['years', 'months', 'weeks', 'days', 'hours', 'mins', 'secs'],
          defaults: 7,
        },
      ],
    );
    const r = await new PlanCoster(client, 15).cost(p);
    expect(r).toMatchObject({ ok: true, cost: 42 });
    expect(sent.some((s) => s.includes('FROM pg_proc'))).toBe(true);
  });

  it('gives up with the first error when no signature helps, and on any other SQLSTATE at once', async () => {
    const p = parseStatement({ id: 'x', query: 'SELECT * FROM t WHERE a = f($1 + $2)' });
    const { client, sent } = scriptedClient('never', (sql) => serverError('42883', 'f(numeric) fehlt', sql.indexOf('f($1') + 1));
    expect(await new PlanCoster(client, 15).cost(p)).toEqual({
      ok: false,
      error: 'f(numeric) fehlt (SQLSTATE 42883, no function or operator takes these argument types)',
    });
    const denied = scriptedClient('never', () => serverError('42501', 'keine Berechtigung'));
    expect(await new PlanCoster(denied.client, 15).cost(p)).toEqual({
      ok: false,
      error: "keine Berechtigung (SQLSTATE 42501, permission denied: the advisor's role may not read a table it needs)",
    });
    expect(denied.sent.filter((s) => s.startsWith('PREPARE'))).toHaveLength(1);
    expect(sent.filter((s) => s.startsWith('PREPARE'))).toHaveLength(1);
  });
});

describe('paramSiteAt', () => {
  it('finds the call or operator at a position and the parameters each argument is made of', () => {
    const text = 'SELECT * FROM t WHERE ts > now() - make_interval(hours => $1 * $2, days => -$3) AND a = $4 AND b = lower(c)';
    expect(paramSiteAt(text, text.indexOf('make_interval'))).toEqual({
      kind: 'function',
      name: 'make_interval',
      args: [
        { name: 'hours', params: [1, 2] },
        { name: 'days', params: [3] },
      ],
    });
    expect(paramSiteAt(text, text.indexOf('= $4'))).toEqual({ kind: 'operator', name: '=', args: [{ params: [] }, { params: [4] }] });
    // Nothing there takes a parameter: no site.
    expect(paramSiteAt(text, text.indexOf('lower'))).toBeUndefined();
    expect(paramSiteAt(text, 3)).toBeUndefined();
  });

  it('counts the position in characters where the parser counts bytes', () => {
    const text = "SELECT * FROM t WHERE name = 'Zürich' AND pg_catalog.left(a, $1) = $2";
    expect(paramSiteAt(text, text.indexOf('pg_catalog'))).toEqual({
      kind: 'function',
      name: 'left',
      schema: 'pg_catalog',
      args: [{ params: [] }, { params: [1] }],
    });
  });
});
