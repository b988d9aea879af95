// PostgreSQL 18's b-tree skip scan: an index on (a, b) serves `b = $1` by one index search per
// value of a (nbtree makes an "= each value" condition on a, a skip array). Both the candidates and
// the audit ask the same question of it: how many searches would a lookup take?
//
// PostgreSQL 18's btcostestimate charges each search as a descent of the tree (the skipped
// columns' n_distinct, multiplied, and NULL as one more value; measured with the default costs:
// 4.4 cost units a value, (a, b) with 3 values of a at 21.7 for `b = $1` against 8.1 for (b)).
// Up to SKIP_SCAN_MAX_SEARCHES a lookup through the wider index reads a handful of leaf pages
// under upper levels that stay cached: what a DBA accepts rather than build, write and store one
// more index. Beyond it the planner, through hypopg, decides as before.

/** First major version whose b-tree scans skip over leading columns. */
export const SKIP_SCAN_MIN_VERSION = 18;
/** A skip scan of at most this many index searches serves a lookup about as well as its own index. */
export const SKIP_SCAN_MAX_SEARCHES = 5;

/** What pg_stats says of a skipped column (absent: never analyzed, or hidden from the role). */
export interface SkippedColumnStats {
  nDistinct: number;
  nullFrac: number;
}

/**
 * The index searches a skip scan over these leading columns makes: the product of their values
 * (NULL counting as one). Undefined when a column has no statistics or a relative n_distinct
 * (negative: distinct values grow with the table, which is never "few").
 */
export function skipScanSearches(skipped: Array<SkippedColumnStats | undefined>): number | undefined {
  let searches = 1;
  for (const s of skipped) {
    if (!s || !(s.nDistinct > 0)) return undefined;
    searches *= s.nDistinct + (s.nullFrac > 0 ? 1 : 0);
  }
  return searches;
}

/** Does a skip scan over these leading columns serve equality on the columns after them, on this server? */
export function skipScanServes(serverVersion: number, skipped: Array<SkippedColumnStats | undefined>): number | undefined {
  if (serverVersion < SKIP_SCAN_MIN_VERSION || skipped.length === 0) return undefined;
  const searches = skipScanSearches(skipped);
  return searches !== undefined && searches <= SKIP_SCAN_MAX_SEARCHES ? searches : undefined;
}
