// PostgreSQL 18's pg_stat_statements folds a list of constants into its first parameter and a
// comment: `WHERE country IN ($1 /*, ... */)`, `ARRAY[$1 /*, ... */]`, so that lists of different
// lengths are one entry. The parser drops the comment, which would leave a one-value list: costed
// that way, `IN` over half a table looks like a lookup of one value, and an index seems to help.
// The length is gone, so the list is costed as FOLDED_LIST_LENGTH parameters: the planner's own
// assumption for an array of unknown length (estimate_array_length in selfuncs.c).

/** Values a folded list stands for when it is costed. */
export const FOLDED_LIST_LENGTH = 10;

const FOLDED = /\$(\d+)\s*\/\*,\s*\.\.\.\s*\*\//;

/** The text with each folded list written out as FOLDED_LIST_LENGTH parameters (new ones numbered after the last `$n`). */
export function expandFoldedLists(query: string): string {
  if (!FOLDED.test(query)) return query;
  const all = new RegExp(FOLDED.source, 'g');
  let next = Math.max(0, ...[...query.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  return query.replace(all, (_folded, first: string) => {
    const params = [`$${first}`];
    for (let i = 1; i < FOLDED_LIST_LENGTH; i++) params.push(`$${++next}`);
    return params.join(', ');
  });
}
