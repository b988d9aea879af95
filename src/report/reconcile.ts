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
// - An invalid index the audit would rebuild only for a foreign key is dropped instead where a
//   recommendation (not served by it) serves that key: rebuilt, it would be redundant beside it.
// - A recommendation never takes the name of an index the audit's migration creates (each chose
//   its names apart; `IF NOT EXISTS` would skip the second build).
import { dropInsteadOfRebuild, rebuildUncertain } from '../audit/invalid.js';
import { createIndexSql, existingIndexCovers } from '../candidates/indexDefinition.js';
import { uniqueName } from '../db/names.js';
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
  // Rebuilds for a foreign key that a remaining recommendation serves: dropped instead.
  const recs = kept.map((r) => {
    const at = findings.findIndex(
      (f) =>
        f.kind === 'invalid' &&
        f.evidence.decision === 'rebuild' &&
        !f.evidence.unique &&
        !f.evidence.servesAdvice && // a struck recommendation relies on its rebuild
        !!f.foreignKey &&
        servesForeignKey(r, f.schema, f.table, f.foreignKey.columns),
    );
    if (at < 0) return r;
    const f = findings[at]!;
    const invalid = quoteQualified(f.schema, f.index!);
    findings = findings.map((x, j) =>
      j === at ? dropInsteadOfRebuild(x, `the advice's ${r.definition} serves foreign key ${f.foreignKey!.name}`) : x,
    );
    const reason = `also indexes foreign key ${f.foreignKey!.name} (instead of the INVALID ${invalid}, which the audit drops)`;
    return { ...r, candidate: { ...r.candidate, reasons: [...r.candidate.reasons, reason] } };
  });
  return {
    recommendations: renameClashes(
      recs.map((r) => auditDropsReplaced(r, findings)),
      findings,
      catalog,
    ),
    audit: { ...audit, findings },
    struckOut,
  };
}

/** An index the advice replaces that the audit drops anyway is dropped once, by the audit. */
function auditDropsReplaced(r: Recommendation, findings: AuditFinding[]): Recommendation {
  const x = r.replaces;
  if (!x) return r;
  const f = findings.find((f) => f.action === 'drop' && f.schema === x.schema && f.index === x.index);
  if (!f) return r;
  const { replaces: _, ...rest } = r;
  const reason = `makes ${quoteQualified(x.schema, x.index)} unnecessary, which the audit drops (${f.kind})`;
  return { ...rest, candidate: { ...r.candidate, reasons: [...r.candidate.reasons, reason] } };
}

/** `schema\0name` of every index a runnable statement of the audit's migration creates. */
function auditCreates(findings: AuditFinding[]): Set<string> {
  const out = new Set<string>();
  for (const f of findings) {
    if (f.action === 'review' || f.action === 'keep') continue;
    for (const sql of f.upSql) {
      const m = /^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?("(?:[^"]|"")*"|[^\s"]+) ON/.exec(sql);
      if (m) out.add(`${f.schema}\u0000${m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]}`);
    }
  }
  return out;
}

/** Recommendations named like an index the audit creates get the next free name (`_2`, `_3`...). */
function renameClashes(recs: Recommendation[], findings: AuditFinding[], catalog: Catalog | undefined): Recommendation[] {
  const audited = auditCreates(findings);
  const key = (schema: string, name: string) => `${schema}\u0000${name}`;
  if (!recs.some((r) => audited.has(key(r.candidate.schema, r.name)))) return recs;
  /** Every name taken in a schema: the catalog's relations, the audit's new indexes, the recommendations' (and the new ones as given out). */
  const taken = new Map<string, Set<string>>();
  const takenIn = (schema: string): Set<string> => {
    let set = taken.get(schema);
    if (set) return set;
    set = new Set([...(catalog?.otherRelations?.[schema] ?? [])]);
    for (const t of catalog?.tables ?? []) if (t.schema === schema) for (const n of [t.name, ...t.indexes.map((ix) => ix.name)]) set.add(n);
    for (const k of audited) if (k.startsWith(key(schema, ''))) set.add(k.slice(schema.length + 1));
    for (const o of recs) if (o.candidate.schema === schema) set.add(o.name);
    taken.set(schema, set);
    return set;
  };
  return recs.map((r) => {
    if (!audited.has(key(r.candidate.schema, r.name))) return r;
    const name = uniqueName(r.name, takenIn(r.candidate.schema));
    return { ...r, name, definition: createIndexSql(r.candidate, { name }) };
  });
}
