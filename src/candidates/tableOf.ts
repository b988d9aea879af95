import type { IndexCandidate } from '../types.js';

const tableKeys = new WeakMap<object, string>();

/** `schema.table` of a candidate (remembered: it is asked for in the hottest loops). */
export const tableOf = (c: Pick<IndexCandidate, 'schema' | 'table'>): string => {
  let key = tableKeys.get(c);
  if (key === undefined) {
    key = `${c.schema}.${c.table}`;
    tableKeys.set(c, key);
  }
  return key;
};
