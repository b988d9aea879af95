// The nightly report joins advice and audit into one plan: no migration creates an index that the
// other creates, builds again or drops. Pure: it returns new values and leaves its inputs as they were.
//
// - A recommended index that also serves a foreign key the audit found unindexed does both jobs:
//   keep the recommendation (it was measured), say so in its reasons, drop the audit's CREATE.
// - A recommended index that an INVALID index serves once built again (the same key, or the
//   recommendation's key leading it) is not created beside it: the audit's rebuild does the job, the
//   recommendation is struck out with that reason, and an invalid index the audit was uncertain
//   about becomes a rebuild (the workload wants it). Without this, a failed CREATE INDEX
//   CONCURRENTLY made the advice propose `<name>_2` on the same columns while the audit rebuilt `<name>`.
import { rebuildUncertain } from '../audit/invalid.js';
import { existingIndexCovers } from '../candidates/indexDefinition.js';
import { quoteQualified } from '../db/quote.js';
import type { AdviceResult, AuditFinding, AuditResult, Catalog, CatalogIndex, Recommendation } from '../types.js';

export interface Reconciled {
  recommendations: Recommendation[];
  audit: AuditResult;
  /** Recommendations left out because the audit's rebuild of an invalid index serves them. */
  struckOut: AdviceResult['struckOut'];
}

/** A plain b-tree (no predicate) whose leading keys are the foreign key's columns, in any order. */
export function servesForeignKey(r: Recommendation, schema: string, table: string, fkColumns: readonly string[]): boolean {
  const c = r.candidate;
  if (c.schema !== schema || c.table !== table || c.method !== 'btree' || c.where) return false;
  if (fkColumns.length > c.columns.length) return false;
  const lead = c.columns.slice(0, fkColumns.length).map((x) => x.column);
  return new Set(lead).size === fkColumns.length && fkColumns.every((col) => lead.includes(col));
}

/** An invalid index the audit builds again, or may (uncertain, and no unchecked duplicate keys stand in the way). */
function rebuildable(f: AuditFinding): boolean {
  if (f.kind !== 'invalid' || !f.index) return false;
  const d = f.evidence.decision;
  return d === 'rebuild' || d === 'reindex' || (d === 'uncertain' && !f.evidence.unique);
}

export function reconcileAdviceWithAudit(recommendations: Recommendation[], audit: AuditResult, catalog?: Catalog): Reconciled {
  /** Recommendation index → the reasons it gains. */
  const gained = new Map<number, string[]>();
  let findings = audit.findings.filter((f) => {
    if (f.kind !== 'missing-fk-index' || !f.foreignKey) return true;
    const fk = f.foreignKey;
    const i = recommendations.findIndex((r) => servesForeignKey(r, f.schema, f.table, fk.columns));
    if (i < 0) return true;
    gained.set(i, [...(gained.get(i) ?? []), `also indexes foreign key ${fk.name} (the audit found it unindexed)`]);
    return false;
  });

  const struckOut: Reconciled['struckOut'] = [];
  const kept: Recommendation[] = [];
  const catalogIndex = (f: AuditFinding): CatalogIndex | undefined =>
    catalog?.tables.find((t) => t.schema === f.schema && t.name === f.table)?.indexes.find((ix) => ix.name === f.index);
  recommendations.forEach((r, i) => {
    const reasons = gained.get(i);
    const rec = reasons ? { ...r, candidate: { ...r.candidate, reasons: [...r.candidate.reasons, ...reasons] } } : r;
    const at = findings.findIndex((f) => {
      if (!rebuildable(f) || f.schema !== r.candidate.schema || f.table !== r.candidate.table) return false;
      const ix = catalogIndex(f);
      return !!ix && existingIndexCovers({ ...ix, valid: true }, r.candidate);
    });
    if (at < 0) {
      kept.push(rec);
      return;
    }
    const f = findings[at]!;
    const invalid = quoteQualified(f.schema, f.index!);
    const share = `${(r.benefitShare * 100).toFixed(1)} %`;
    struckOut.push({
      definition: r.definition,
      reason: `the audit builds the INVALID ${invalid} again, which serves the same statements (this index would save ${share} of the workload's cost)`,
    });
    const why = `the workload needs it: the advice would otherwise create ${r.definition} (saves ${share} of the workload's cost)`;
    const updated: AuditFinding =
      f.evidence.decision === 'uncertain' ? rebuildUncertain(f, why) : { ...f, evidence: { ...f.evidence, servesAdvice: r.definition } };
    findings = findings.map((x, j) => (j === at ? updated : x));
  });
  return { recommendations: kept, audit: { ...audit, findings }, struckOut };
}
