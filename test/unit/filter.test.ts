import { beforeAll, describe, expect, it } from 'vitest';
import { markedWithin } from '../../src/db/connect.js';
import { skipReason } from '../../src/harvest/filter.js';
import { ensureParser } from '../../src/parse/parser.js';

beforeAll(() => ensureParser());

describe('skipReason', () => {
  it('keeps queries and writes on user tables', () => {
    expect(skipReason('SELECT * FROM orders WHERE id = $1')).toBeUndefined();
    expect(skipReason('INSERT INTO events (kind) VALUES ($1)')).toBeUndefined();
    expect(skipReason('UPDATE orders SET status = $1 WHERE id = $2')).toBeUndefined();
    expect(skipReason('DELETE FROM order_items WHERE order_id = $1')).toBeUndefined();
    // unparseable text is kept: the parse stage reports it with the parser's message
    expect(skipReason('SELEC 1')).toBeUndefined();
  });

  it('skips utility, catalog-only, table-less and own statements with the reason', () => {
    expect(skipReason('BEGIN')).toMatch(/utility statement \(TransactionStmt\)/);
    expect(skipReason('SELECT * FROM pg_class WHERE relname = $1')).toBe('reads only system catalogs');
    expect(skipReason('SELECT * FROM information_schema.tables')).toBe('reads only system catalogs');
    // the extensions' statistics views, in any schema (on 18 the advisor's own reads of them lose their marker)
    expect(skipReason('SELECT queryid, query FROM public.pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database)')).toBe(
      'reads only system catalogs',
    );
    expect(skipReason('SELECT pg_stat_statements_reset()')).toBe('reads no table');
    expect(skipReason('/* pg-index-advisor */ SELECT * FROM orders')).toBe("the advisor's own statement");
    // Where PostgreSQL 18 keeps it: after the first keyword.
    const own = markedWithin('  WITH d AS (SELECT k, count(*) AS n FROM public.dups GROUP BY k) SELECT * FROM d');
    expect(own).toBe('WITH /* pg-index-advisor */ d AS (SELECT k, count(*) AS n FROM public.dups GROUP BY k) SELECT * FROM d');
    expect(skipReason(own)).toBe("the advisor's own statement");
    expect(skipReason('SELECT * FROM hypopg_create_index($1)')).toBe("the advisor's own statement");
    expect(skipReason('<insufficient privilege>')).toMatch(/pg_read_all_stats/);
    expect(
      skipReason(
        'WITH RECURSIVE locked AS (SELECT relation AS oid FROM pg_locks UNION SELECT i.inhparent FROM pg_inherits i JOIN locked ON locked.oid = i.inhrelid) SELECT * FROM locked',
      ),
    ).toBe('reads only system catalogs');
    // PostgreSQL 17+ shows utility names as constants, which the grammar refuses
    expect(skipReason('DEALLOCATE $1')).toBe('utility statement (DEALLOCATE)');
    expect(skipReason('SAVEPOINT $1')).toBe('utility statement (SAVEPOINT)');
  });
});
