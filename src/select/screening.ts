// Screening (Dexter's approach): every candidate a statement could use is created at once, and the
// planner says which it would pick. Repeated without the picks, to find the runners-up.
import { columnSql } from '../candidates/indexDefinition.js';
import { tableOf } from '../candidates/tableOf.js';
import { usableCandidates } from '../candidates/usable.js';
import type { IndexCandidate, ParsedStatement, ScanEstimate } from '../types.js';
import type { Costing } from './costing.js';

const SCREENING_PASSES = 3;

export interface Screening {
  /** Keys of the candidates the planner used in some screening plan. */
  used: Set<string>;
  /** Per statement, the keys of the candidates its screening plans used. */
  usedBy: Map<string, Set<string>>;
  /** Each statement's cost with every candidate of its tables: no set of them does (much) better. */
  bestPossible: Map<string, number>;
  /** In that plan, the scans through a candidate (how many rows each reads: is the index selective?). */
  candidateScans: Map<string, ScanEstimate[]>;
}

export async function screenCandidates(
  stmts: ParsedStatement[],
  candidates: IndexCandidate[],
  tablesOf: ReadonlyMap<string, ReadonlySet<string>>,
  costing: Costing,
  onProgress?: (phase: string, done: number, total: number) => void,
): Promise<Screening> {
  const byStatement = new Map<string, IndexCandidate[]>();
  const usable = usableCandidates(candidates.filter((c) => !costing.rejected.has(c.key)));
  for (const s of stmts) {
    const tables = tablesOf.get(s.id) ?? new Set();
    byStatement.set(
      s.id,
      usable(s).filter((c) => tables.has(tableOf(c))),
    );
  }
  const out: Screening = { used: new Set(), usedBy: new Map(), bestPossible: new Map(), candidateScans: new Map() };
  // The planner names only its favourite per statement; screening again without the favourites
  // finds the runners-up (a partial or smaller index nearly as good), which the rounds may prefer.
  for (let pass = 0; pass < SCREENING_PASSES; pass++) {
    const before = out.used.size;
    const remaining = new Map([...byStatement].map(([id, cs]) => [id, cs.filter((c) => !out.used.has(c.key))]));
    const outcomes = await screenOnce(stmts, remaining, costing, out, (done, total) =>
      onProgress?.(`screening pass ${pass + 1}`, done, total),
    );
    if (pass === 0)
      for (const [id, r] of outcomes) {
        out.bestPossible.set(id, r.cost);
        const keys = new Set(remaining.get(id)!.map((c) => c.key));
        const through = (sc: ScanEstimate) =>
          (sc.index !== undefined && keys.has(sc.index)) || (sc.bitmapIndexes ?? []).some((k) => keys.has(k));
        out.candidateScans.set(id, r.scans.filter(through));
      }
    if (out.used.size === before) break;
  }
  return out;
}

/**
 * One pass: statements with the same tables share one set-up, the candidates any of them can use
 * (an index a statement cannot use does not change its plan, and fewer indexes plan faster).
 */
async function screenOnce(
  stmts: ParsedStatement[],
  byStatement: Map<string, IndexCandidate[]>,
  costing: Costing,
  out: Screening,
  onProgress: (done: number, total: number) => void,
): Promise<Map<string, { cost: number; scans: ScanEstimate[] }>> {
  const costsOut = new Map<string, { cost: number; scans: ScanEstimate[] }>();
  const groups = new Map<string, { config: Map<string, IndexCandidate>; stmts: ParsedStatement[] }>();
  for (const s of stmts) {
    const config = byStatement.get(s.id)!;
    if (config.length === 0) continue;
    const key = [...new Set(config.map(tableOf))].sort().join(',');
    const g = groups.get(key) ?? { config: new Map<string, IndexCandidate>(), stmts: [] as ParsedStatement[] };
    for (const c of config) g.config.set(c.key, c);
    g.stmts.push(s);
    groups.set(key, g);
  }
  let done = 0;
  onProgress(0, groups.size);
  // Neighbouring groups that share tables share most hypothetical indexes: a session moving from
  // one to the next creates and drops only the difference.
  const ordered = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  await Promise.all(
    ordered.map(async (g) => {
      // Every-candidate configurations never come back: not worth remembering.
      const costs = await costing.costs(g.stmts, [...g.config.values()], { remember: false });
      for (const [id, r] of costs) {
        if (!r.ok) continue;
        for (const k of r.indexesUsed) out.used.add(k);
        const mine = out.usedBy.get(id) ?? new Set<string>();
        for (const k of r.indexesUsed) mine.add(k);
        out.usedBy.set(id, mine);
        costsOut.set(id, { cost: r.cost, scans: r.scans });
      }
      onProgress(++done, groups.size);
    }),
  );
  return costsOut;
}

/**
 * The planner's favourites have narrower prefixes it did not need to name: `(email)` may serve as
 * well as the `(email, country)` it preferred by a hair. They are not ranked (that would cost an
 * evaluation each), only tried when their wider twin is a round's best. Per used candidate: the
 * unused ones of its family with fewer key columns, or the same keys without the INCLUDE.
 */
export function narrowerPrefixes(candidates: IndexCandidate[], used: ReadonlySet<string>): Map<string, IndexCandidate[]> {
  // Compared within (table, method, predicate, leading key) only: all pairs would be quadratic in the candidates.
  const family = (c: IndexCandidate) =>
    `${tableOf(c)}\u0000${c.method}\u0000${c.where ?? ''}\u0000${c.columns[0] ? columnSql(c.columns[0]) : ''}`;
  const families = new Map<string, IndexCandidate[]>();
  for (const c of candidates) {
    const list = families.get(family(c)) ?? [];
    list.push(c);
    families.set(family(c), list);
  }
  const narrower = new Map<string, IndexCandidate[]>();
  for (const c of candidates.filter((x) => used.has(x.key))) {
    const list = families
      .get(family(c))!
      .filter(
        (p) =>
          !used.has(p.key) &&
          p.include.length === 0 &&
          (p.columns.length < c.columns.length || (p.columns.length === c.columns.length && c.include.length > 0)) &&
          p.columns.every((col, i) => columnSql(col) === columnSql(c.columns[i]!)),
      );
    if (list.length) narrower.set(c.key, list);
  }
  return narrower;
}
