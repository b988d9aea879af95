import { beforeAll, describe, expect, it } from 'vitest';
import { mayUse, mentionedColumns, usableCandidates } from '../../src/candidates/usable.js';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import type { IndexCandidate } from '../../src/types.js';

const columns: Record<string, string[]> = { orders: ['id', 'customer_id', 'status', 'created_at', 'total', 'note'] };
const parse = (query: string) => parseStatement({ id: 'q', query }, (_s, t) => columns[t]);
const index = (cols: string[], extra: Partial<IndexCandidate> = {}): IndexCandidate => ({
  key: cols.join(','),
  schema: 'public',
  table: 'orders',
  method: 'btree',
  columns: cols.map((c) => ({ sql: c, column: c })),
  include: [],
  statementIds: [],
  reasons: [],
  ...extra,
});

beforeAll(async () => {
  await ensureParser();
});

describe('mayUse', () => {
  it('says no only for an index on columns the statement never mentions', () => {
    const s = parse('SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at');
    expect(mayUse(s, index(['customer_id']))).toBe(true);
    expect(mayUse(s, index(['created_at']))).toBe(true);
    expect(mayUse(s, index(['status', 'total']))).toBe(true); // total is read: an index-only scan may use it
    expect(mayUse(s, index(['status']))).toBe(false);
    expect(mayUse(s, index(['note'], { include: ['status'] }))).toBe(false);
  });

  it('keeps every index for SELECT * and count(*), expression keys and partial indexes', () => {
    expect(mayUse(parse('SELECT * FROM orders WHERE id = $1'), index(['status']))).toBe(true);
    expect(mayUse(parse('SELECT count(*) FROM orders'), index(['status']))).toBe(true);
    const s = parse('SELECT id FROM orders WHERE customer_id = $1');
    expect(mayUse(s, { ...index(['x']), columns: [{ sql: '(lower(note))' }] })).toBe(true);
    expect(mayUse(s, index(['status'], { where: "status = 'new'" }))).toBe(true);
  });

  it('usableCandidates finds, through the columns mentioned, exactly the candidates mayUse accepts', () => {
    const candidates = [
      index(['customer_id']),
      index(['created_at']),
      index(['status', 'total']),
      index(['status']),
      index(['id']),
      index(['note'], { key: 'note incl status', include: ['status'] }),
      index(['note'], { key: 'note incl total', include: ['total'] }),
      { ...index(['x']), key: 'expr', columns: [{ sql: '(lower(note))' }] },
      index(['status'], { key: 'partial', where: "status = 'new'" }),
    ];
    const find = usableCandidates(candidates);
    for (const sql of [
      'SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at',
      'SELECT * FROM orders WHERE id = $1',
      'SELECT count(*) FROM orders',
      "SELECT id FROM orders WHERE status = 'new' GROUP BY id",
    ]) {
      const s = parse(sql);
      expect(
        find(s)
          .map((c) => c.key)
          .sort(),
      ).toEqual(
        candidates
          .filter((c) => mayUse(s, c))
          .map((c) => c.key)
          .sort(),
      );
    }
  });

  it('one list of the columns a statement mentions, for costing and selection alike', () => {
    const [t] = parse('SELECT total FROM orders WHERE customer_id = $1 AND lower(note) = $2 GROUP BY total ORDER BY created_at').tables;
    expect([...mentionedColumns(t!).columns].sort()).toEqual(['created_at', 'customer_id', 'note', 'total']);
    expect(mentionedColumns(t!).readsAll).toBe(false);
    // The columns an UPDATE sets do not help find its rows.
    const [u] = parse('UPDATE orders SET status = $1 WHERE id = $2').tables;
    expect([...mentionedColumns(u!).columns]).toEqual(['id']);
    expect(mayUse(parse('UPDATE orders SET status = $1 WHERE id = $2'), index(['status']))).toBe(false);
    expect(mentionedColumns(parse('SELECT * FROM orders WHERE id = $1').tables[0]!).readsAll).toBe(true);
  });
});
