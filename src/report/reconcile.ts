// The nightly report joins advice and audit. Where a recommended index also serves a foreign key
// the audit found unindexed, one index does both jobs: keep the recommendation (it was measured),
// say so in its reasons, and drop the audit's duplicate CREATE.
import type { AdviceResult } from '../types.js';

export function reconcileAdviceWithAudit(result: AdviceResult): void {
  const audit = result.audit;
  if (!audit) return;
  audit.findings = audit.findings.filter((f) => {
    if (f.kind !== 'missing-fk-index') return true;
    const fkColumns = String(f.evidence.columns ?? '').split(', ').filter(Boolean);
    const rec = result.recommendations.find(
      (r) =>
        r.candidate.schema === f.schema &&
        r.candidate.table === f.table &&
        r.candidate.method === 'btree' &&
        !r.candidate.where &&
        fkColumns.length <= r.candidate.columns.length &&
        new Set(r.candidate.columns.slice(0, fkColumns.length).map((c) => c.column)).size === fkColumns.length &&
        fkColumns.every((c) => r.candidate.columns.slice(0, fkColumns.length).some((x) => x.column === c)),
    );
    if (!rec) return true;
    rec.candidate.reasons.push(`also indexes foreign key ${String(f.evidence.foreignKey)} (the audit found it unindexed)`);
    return false;
  });
}
