// How two indexes' keys compare: the identity of a key position, and whether one b-tree's keys
// stand in another's at some offset (a leading prefix at 0; after skipped columns for 18's skip scan).
import type { IndexPosition } from '../types.js';
import type { AuditIndex } from './model.js';

/** A column by number, an expression by its text. */
export function positionSig(p: IndexPosition): string {
  return p.attnum === 0 ? `e:${p.text}` : `c:${p.attnum}`;
}

/** A key position: column/expression, operator class, collation, direction and NULLS order. */
export function keySig(p: IndexPosition): string {
  return `${positionSig(p)}|${p.opclass ?? 0}|${p.collation ?? 0}|${p.option ?? 0}`;
}

/**
 * Do `small`'s keys stand in `big`'s from position `offset` on, with its INCLUDE columns among big's
 * columns? Both b-trees of one table with the same predicate.
 */
export function keysWithin(small: AuditIndex, big: AuditIndex, offset: number): boolean {
  if (small.oid === big.oid || small.tableOid !== big.tableOid) return false;
  if (small.method !== 'btree' || big.method !== 'btree') return false;
  if ((small.predicate ?? '') !== (big.predicate ?? '')) return false;
  if (offset + small.keys.length > big.keys.length) return false;
  if (!small.keys.every((k, i) => keySig(k) === keySig(big.keys[offset + i]!))) return false;
  const bigCols = new Set([...big.keys, ...big.include].map(positionSig));
  return small.include.every((p) => bigCols.has(positionSig(p)));
}
