// The nightly report joins advice and audit. Where a recommended index also serves a foreign key
// the audit found unindexed, one index does both jobs: keep the recommendation (it was measured),
// say so in its reasons, and drop the audit's duplicate CREATE. Pure: it returns new values and
// leaves its inputs as they were.
import type { AuditResult, Recommendation } from '../types.js';

export interface Reconciled {
  recommendations: Recommendation[];
  audit: AuditResult;
}

/** A plain b-tree (no predicate) whose leading keys are the foreign key's columns, in any order. */
export function servesForeignKey(r: Recommendation, schema: string, table: string, fkColumns: readonly string[]): boolean {
  const c = r.candidate;
  if (c.schema !== schema || c.table !== table || c.method !== 'btree' || c.where) return false;
  if (fkColumns.length > c.columns.length) return false;
  const lead = c.columns.slice(0, fkColumns.length).map((x) => x.column);
  return new Set(lead).size === fkColumns.length && fkColumns.every((col) => lead.includes(col));
}

export function reconcileAdviceWithAudit(recommendations: Recommendation[], audit: AuditResult): Reconciled {
  /** Recommendation index → the reasons it gains. */
  const gained = new Map<number, string[]>();
  const findings = audit.findings.filter((f) => {
    if (f.kind !== 'missing-fk-index' || !f.foreignKey) return true;
    const fk = f.foreignKey;
    const i = recommendations.findIndex((r) => servesForeignKey(r, f.schema, f.table, fk.columns));
    if (i < 0) return true;
    gained.set(i, [...(gained.get(i) ?? []), `also indexes foreign key ${fk.name} (the audit found it unindexed)`]);
    return false;
  });
  return {
    recommendations: recommendations.map((r, i) => {
      const reasons = gained.get(i);
      return reasons ? { ...r, candidate: { ...r.candidate, reasons: [...r.candidate.reasons, ...reasons] } } : r;
    }),
    audit: { ...audit, findings },
  };
}
