// The what-if session's hypothetical index set: created and dropped in batches, and exact even
// when hypopg refuses one definition of a batch (its list is not transactional).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureParser } from '../src/parse/parser.js';
import { parseStatement } from '../src/parse/parseStatement.js';
import type { IndexCandidate } from '../src/types.js';
import { WhatIfSession } from '../src/verify/whatIfSession.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let session: WhatIfSession;

const candidate = (key: string, method: IndexCandidate['method'], column: string): IndexCandidate => ({
  key,
  schema: 'public',
  table: 'w',
  method,
  columns: [{ sql: column, column }],
  include: [],
  statementIds: [],
  reasons: [],
});
const A = candidate('A', 'btree', 'a');
const B = candidate('B', 'btree', 'b');
const C = candidate('C', 'btree', 'c');
const G = candidate('G', 'gin', 'tags'); // hypopg 1.3 simulates btree, brin, hash: not GIN

const parsed = (id: string, query: string) => ({ ...parseStatement({ id, query }, () => ['id', 'a', 'b', 'c', 'tags']), id });
const statement = (column: string) => parsed(column, `SELECT id FROM w WHERE ${column} = 42`);

/** Candidate keys of the indexes the plan of `WHERE column = 42` uses (a name no key owns stays a name). */
async function used(column: string): Promise<string[]> {
  const r = await session.cost(statement(column));
  if (!r.ok) throw new Error(r.error);
  return r.indexesUsed.map((n) => session.keyOfIndexName(n) ?? n);
}

beforeAll(async () => {
  await ensureParser();
  db = await createTestDatabase('what_if_session');
  await db.client.query(`
    CREATE TABLE w (id int, a int, b int, c int, tags int[]);
    INSERT INTO w SELECT i, i, i, i, ARRAY[i % 10] FROM generate_series(1, 100000) i;
    ANALYZE w;`);
  session = await WhatIfSession.open(db.url);
}, 60_000);

afterAll(async () => {
  await session?.close();
  await db?.drop();
});

describe('WhatIfSession.useIndexes', () => {
  it('creates a batch, and drops what the next set does not want', async () => {
    const first = await session.useIndexes([A, C]);
    expect([...first.keys()].sort()).toEqual(['A', 'C']);
    expect(await used('c')).toEqual(['C']);
    await session.useIndexes([A, B]);
    expect(session.activeKeys.sort()).toEqual(['A', 'B']);
    expect(await used('c')).toEqual([]);
    expect(await used('b')).toEqual(['B']);
  });

  it('reports the definition hypopg refuses and keeps exactly the others, with nothing left over from the failed batch', async () => {
    await session.useIndexes([C]);
    const r = await session.useIndexes([A, G, B]);
    expect(r.get('G')).toBeInstanceOf(Error);
    expect(String(r.get('G'))).toMatch(/gin|access method/i);
    expect(r.get('A')).not.toBeInstanceOf(Error);
    expect(r.get('B')).not.toBeInstanceOf(Error);
    expect(session.activeKeys.sort()).toEqual(['A', 'B']);
    // A leaked copy of A (created by the failed batch before G) would show up under a name no key owns.
    expect(await used('a')).toEqual(['A']);
    expect(await used('c')).toEqual([]);
    // …and dropping A leaves no index on a.
    await session.useIndexes([B]);
    expect(await used('a')).toEqual([]);
  });
});

describe('WhatIfSession.costMany', () => {
  it('costs a batch in one go as each statement alone would be costed, parameters and all', async () => {
    await session.useIndexes([A, B]);
    const batch = [
      parsed('lit', 'SELECT id FROM w WHERE a = 42'),
      parsed('param', 'SELECT id FROM w WHERE b = $1'),
      parsed('range', 'SELECT id FROM w WHERE c > $1 AND a = $2'),
    ];
    const together = await session.costMany(batch);
    const alone = [];
    for (const s of batch) alone.push(await session.cost(s));
    expect(together).toEqual(alone);
    expect(together.map((r) => r.ok && r.indexesUsed.map((n) => session.keyOfIndexName(n)))).toEqual([['A'], ['B'], ['A']]);
  });

  it('plans normalized text whose parameters only arithmetic types (pg_stat_statements of TPC-H Q6, Q12, Q19)', async () => {
    const r = await session.costMany([
      parsed('q12', 'SELECT b, sum(CASE WHEN a = $1 OR a = $2 THEN $3 ELSE $4 END) FROM w GROUP BY b'),
      parsed('q6', 'SELECT sum(a * c) FROM w WHERE c BETWEEN $1 - $2 AND $3 + $4 AND b < $5'),
    ]);
    expect(r).toMatchObject([{ ok: true }, { ok: true }]);
  });

  it('a statement that fails does not take the rest of its batch with it', async () => {
    const batch = [
      parsed('before', 'SELECT id FROM w WHERE a = $1'),
      parsed('bad', 'SELECT id FROM w WHERE no_such_column = $1'),
      parsed('after', 'SELECT id FROM w WHERE b = 7'),
    ];
    const r = await session.costMany(batch);
    expect(r[0]).toMatchObject({ ok: true });
    expect(r[1]).toMatchObject({ ok: false, error: expect.stringMatching(/no_such_column/) });
    expect(r[2]).toMatchObject({ ok: true });
    // …and the session is still usable, its prepared name free.
    expect(await session.costMany([batch[0]!, batch[2]!])).toMatchObject([{ ok: true }, { ok: true }]);
  });
});
