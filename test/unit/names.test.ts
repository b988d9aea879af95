// One rule for the names of new indexes (recommended ones and the audit's foreign-key indexes):
// at most 63 bytes, a hash when cut, `_2`, `_3`... on a clash.
import { describe, expect, it } from 'vitest';
import { fkIndexName } from '../../src/audit/ddl.js';
import { indexName } from '../../src/candidates/indexDefinition.js';
import { fitName, truncateName, uniqueName } from '../../src/db/names.js';

describe('index names', () => {
  it('cut to 63 bytes without splitting a character, with a hash when cut', () => {
    expect(truncateName('é'.repeat(40))).toBe('é'.repeat(31));
    expect(fitName('short')).toBe('short');
    const long = fitName(`${'x'.repeat(50)}_${'é'.repeat(20)}`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^x{50}_é+_[0-9a-f]{8}$/);
    expect(fitName('a'.repeat(70), 'one')).not.toBe(fitName('a'.repeat(70), 'two'));
  });

  it('number clashes the same way for recommendations and foreign-key indexes', () => {
    const taken = new Set(['orders_customer_id_idx', 'orders_customer_id_idx_2']);
    const rec = indexName({ table: 'orders', columns: [{ sql: 'customer_id', column: 'customer_id' }], method: 'btree', include: [] });
    expect(uniqueName(rec, new Set(taken))).toBe('orders_customer_id_idx_3');
    expect(fkIndexName({ table: 'orders', columns: ['customer_id'] }, new Set(taken))).toBe('orders_customer_id_idx_3');
  });

  it('keep a numbered name within 63 bytes, counting bytes', () => {
    const base = `t_${'é'.repeat(30)}`; // 62 bytes
    const taken = new Set([base]);
    const second = uniqueName(base, taken);
    expect(second.endsWith('_2')).toBe(true);
    expect(Buffer.byteLength(second)).toBeLessThanOrEqual(63);
    expect(taken.has(second)).toBe(true);
    expect(uniqueName(base, taken)).toMatch(/_3$/);
  });
});
