// What to do with each INVALID index, decided as a DBA would, from the catalog, the foreign keys
// and a check for duplicate keys (./read.ts, readDuplicateKeys) made before any UNIQUE rebuild:
//
//   being built right now            → not reported (a warning says so)
//   partitioned (relkind I)          → keep: a partition lacks its index; the fix is by hand
//   marked dead, or a valid twin     → drop (the leftover of a failed DROP/REINDEX CONCURRENTLY,
//                                      or a `_ccnew` copy beside the original; or the second of two
//                                      invalid twins, the first being rebuilt)
//   UNIQUE with duplicate keys       → drop (never dropped when a constraint needs it: keep), and
//                                      the keys that are duplicated, as a comment: the UNIQUE build
//                                      would fail again until they are removed
//   UNIQUE, duplicates not checked   → review (uncertain): the rebuild as a comment, with why
//   backs a constraint               → REINDEX INDEX CONCURRENTLY (a constraint's index cannot be dropped)
//   UNIQUE (no duplicates)           → rebuild: it enforces a rule, as a constraint would
//   the only index for a foreign key → rebuild (the nightly report drops it instead where a
//                                      recommendation serves the key: dropInsteadOfRebuild below)
//   anything else                    → review (uncertain), with the evidence; the nightly report
//                                      turns it into a rebuild when the advice wants the same index
//                                      (../report/reconcile.ts, rebuildUncertain below)
//
// A rebuild is DROP INDEX CONCURRENTLY then CREATE INDEX CONCURRENTLY: the recovery the
// PostgreSQL manual recommends for an index left INVALID by a failed CREATE INDEX CONCURRENTLY
// ("drop the index and try again"). REINDEX INDEX CONCURRENTLY also works on an invalid index, but
// when it fails it leaves a second invalid copy (`<name>_ccnew`) beside the first; it is used only
// where the index backs a constraint and so cannot be dropped.
import type { AuditFinding } from '../types.js';
import { dropIndexSql, rebuildSql, reindexSql, sqlComment } from './ddl.js';
import type { AuditForeignKey, AuditIndex } from './model.js';
import { constraintProtection, fkSupporters, q, tq, usable } from './rules.js';

/** What readDuplicateKeys found for a UNIQUE index: duplicated key groups, or why it could not look. */
export type DuplicateKeyCheck = { groups: number; rows: number; examples: string[] } | { unknown: string };

export interface InvalidInput {
  indexes: AuditIndex[];
  foreignKeys: AuditForeignKey[];
  /** By index oid, for the invalid UNIQUE indexes; a missing entry counts as not checked. */
  duplicateKeys: ReadonlyMap<number, DuplicateKeyCheck>;
  /** Is `ix` structurally the same index as `other` (and does not lose uniqueness by going)? */
  isTwin: (ix: AuditIndex, other: AuditIndex) => boolean;
}

export interface InvalidOutput {
  findings: AuditFinding[];
  kept: Array<{ index: string; reason: string }>;
  warnings: string[];
  /** Oids the migration drops (and may build again): no other check looks at them. */
  dropped: Set<number>;
  /** Indexes the migration builds again: they will serve foreign keys, so none is created beside them. */
  rebuilt: AuditIndex[];
}

/** How a finding's evidence names the decision (`evidence.decision`). */
export type InvalidDecision = 'drop' | 'rebuild' | 'reindex' | 'uncertain' | 'keep';

/** An invalid index as if it were rebuilt (for the foreign-key check). */
const asRebuilt = (ix: AuditIndex): AuditIndex => ({ ...ix, valid: true, ready: true, live: true, building: false });

function describeDuplicates(d: { groups: number; rows: number; examples: string[] }): string {
  return (
    `${d.groups} key value${d.groups === 1 ? ' is' : 's are'} duplicated (${d.rows} rows hold them)` +
    (d.examples.length ? `, e.g. ${d.examples.join('; ')}` : '')
  );
}

/** The statements that drop an invalid index and build it again, and the way back. */
export function rebuildInvalidSql(ix: { schema: string; name: string; definition: string }): { up: string[]; down: string[] } {
  const drop = dropIndexSql({ schema: ix.schema, name: ix.name, relkind: 'i' });
  return {
    up: [...drop, rebuildSql(ix.definition, { partitioned: false, ifNotExists: false })],
    down: [sqlComment(`The invalid ${q(ix)} cannot be restored; undoing the rebuild means dropping the rebuilt index.`), ...drop],
  };
}

/** An invalid finding that was to be rebuilt for a foreign key, turned into a drop because `why` (a recommendation serves the key). */
export function dropInsteadOfRebuild(f: AuditFinding, why: string): AuditFinding {
  const name = q({ schema: f.schema, name: f.index ?? '' });
  return {
    ...f,
    action: 'drop',
    summary: `Index ${name} is invalid (a failed CREATE INDEX CONCURRENTLY) and ${why}: drop it.`,
    evidence: { ...f.evidence, decision: 'drop' satisfies InvalidDecision, droppedBecause: why },
    reclaimableBytes: f.bytes ?? 0,
    upSql: dropIndexSql({ schema: f.schema, name: f.index ?? '', relkind: 'i' }),
    downSql: [sqlComment(`An invalid index cannot be restored, and no query used it: nothing to undo for ${name}.`)],
  };
}

/**
 * An uncertain invalid finding (action review) turned into a rebuild, because `why` (the advice
 * wants the same index). Pure: returns a new finding.
 */
export function rebuildUncertain(f: AuditFinding, why: string): AuditFinding {
  const definition = String(f.evidence.definition ?? '');
  const sql = rebuildInvalidSql({ schema: f.schema, name: f.index ?? '', definition });
  return {
    ...f,
    action: 'drop-and-recreate',
    summary: `Index ${q({ schema: f.schema, name: f.index ?? '' })} is invalid (a failed CREATE INDEX CONCURRENTLY) and ${why}: drop it and build it again.`,
    evidence: { ...f.evidence, decision: 'rebuild' satisfies InvalidDecision, rebuiltBecause: why },
    upSql: sql.up,
    downSql: sql.down,
  };
}

export function judgeInvalidIndexes(input: InvalidInput): InvalidOutput {
  const out: InvalidOutput = { findings: [], kept: [], warnings: [], dropped: new Set(), rebuilt: [] };
  const keep = (ix: AuditIndex, reason: string) => out.kept.push({ index: q(ix), reason });
  for (const ix of input.indexes) {
    if (ix.valid) continue;
    if (ix.building) {
      out.warnings.push(
        `${q(ix)} is invalid but a CREATE INDEX / REINDEX is building it right now (pg_stat_progress_create_index): not reported.`,
      );
      continue;
    }
    const evidence: AuditFinding['evidence'] = {
      indisvalid: false,
      indisready: ix.ready,
      indislive: ix.live,
      unique: ix.unique,
      definition: ix.definition,
      bytes: ix.bytes,
    };
    const writes = ix.ready ? ' but writes still maintain it' : '';
    const finding = (
      decision: InvalidDecision,
      f: Pick<AuditFinding, 'action' | 'summary' | 'upSql' | 'downSql'> & Pick<Partial<AuditFinding>, 'foreignKey'>,
    ): void => {
      out.findings.push({
        kind: 'invalid',
        schema: ix.schema,
        table: ix.table,
        index: ix.name,
        ...f,
        evidence: { ...evidence, decision },
        bytes: ix.bytes,
        ...(f.action === 'drop' ? { reclaimableBytes: ix.bytes } : {}),
      });
    };
    const nothingToUndo = [sqlComment(`An invalid index cannot be restored, and no query used it: nothing to undo for ${q(ix)}.`)];
    const rebuild = rebuildInvalidSql(ix);

    if (ix.relkind === 'I') {
      finding('keep', {
        action: 'keep',
        summary:
          `Partitioned index ${q(ix)} is invalid: some partition has no index attached to it (built with CREATE INDEX ... ON ONLY?). ` +
          'Create the missing partition indexes (CONCURRENTLY) and ALTER INDEX ... ATTACH PARTITION them; it turns valid when every partition has one.',
        upSql: [],
        downSql: [],
      });
      continue;
    }
    const protection = constraintProtection(ix);
    // A valid twin, or an invalid one this run builds again: either way this one is a leftover.
    const twin =
      input.indexes.find((o) => o.oid !== ix.oid && usable(o) && input.isTwin(ix, o)) ?? out.rebuilt.find((o) => input.isTwin(ix, o));
    if (!protection && (twin || !ix.live)) {
      if (twin) evidence.validTwin = q(twin);
      out.dropped.add(ix.oid);
      finding('drop', {
        action: 'drop',
        summary: twin
          ? `Index ${q(ix)} is invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY leftover) ` +
            `and ${twin.valid ? 'the valid' : 'the rebuilt'} ${q(twin)} ${twin.valid ? 'already has' : 'will have'} the same definition: drop it.`
          : `Index ${q(ix)} is invalid and marked dead (a failed DROP INDEX CONCURRENTLY or the old copy of a failed REINDEX CONCURRENTLY): drop it.`,
        upSql: dropIndexSql(ix),
        downSql: nothingToUndo,
      });
      continue;
    }

    if (ix.unique) {
      const dups = input.duplicateKeys.get(ix.oid) ?? { unknown: 'duplicate keys were not checked' };
      if ('unknown' in dups) {
        evidence.duplicateKeys = `not checked: ${dups.unknown}`;
        if (protection) keep(ix, `invalid, but it ${protection}`);
        finding('uncertain', {
          action: 'review',
          summary:
            `Index ${q(ix)} is invalid and UNIQUE${writes}; uncertain: whether ${tq(ix)} holds duplicate keys could not be checked ` +
            `(${dups.unknown}), and a UNIQUE build fails while it does. Check, then rebuild it (below, as comments).`,
          upSql: [
            sqlComment('Uncertain: nothing here runs. First check that no key is duplicated, then:'),
            ...(protection ? [reindexSql(ix)] : rebuild.up).map((s) => (s.startsWith('--') ? s : sqlComment(s))),
          ],
          downSql: [],
        });
        continue;
      }
      if (dups.groups > 0) {
        evidence.duplicateKeys = describeDuplicates(dups);
        evidence.duplicatedKeyValues = dups.groups;
        evidence.rowsWithDuplicatedKeys = dups.rows;
        const cleanup = [
          sqlComment(`${tq(ix)}: ${describeDuplicates(dups)}.`),
          sqlComment('A UNIQUE build fails while they are there. After removing the duplicates, build it again:'),
          sqlComment(protection ? reindexSql(ix) : rebuild.up.at(-1)!),
        ];
        if (protection) {
          keep(ix, `invalid, but it ${protection}`);
          finding('keep', {
            action: 'keep',
            summary:
              `Index ${q(ix)} is invalid and it ${protection}, so it cannot be dropped; ${tq(ix)} holds duplicate keys ` +
              `(${describeDuplicates(dups)}), so REINDEX would fail: remove the duplicates, then REINDEX INDEX CONCURRENTLY ${q(ix)}.`,
            upSql: [],
            downSql: [],
          });
          continue;
        }
        out.dropped.add(ix.oid);
        finding('drop', {
          action: 'drop',
          summary:
            `Index ${q(ix)} is invalid and UNIQUE${writes}, and ${tq(ix)} holds duplicate keys (${describeDuplicates(dups)}): ` +
            'building it again would fail. Drop it; remove the duplicates before building it again (the statement is in the migration, as a comment).',
          upSql: [...dropIndexSql(ix), ...cleanup],
          downSql: nothingToUndo,
        });
        continue;
      }
      evidence.duplicateKeys = 'none';
    }

    if (protection) {
      keep(ix, `invalid, but it ${protection}`);
      out.rebuilt.push(ix);
      finding('reindex', {
        action: 'reindex',
        summary:
          `Index ${q(ix)} is invalid but it ${protection}, so it cannot be dropped: rebuild it with REINDEX INDEX CONCURRENTLY` +
          `${ix.unique ? ` (${tq(ix)} holds no duplicate keys)` : ''}.`,
        upSql: [reindexSql(ix)],
        downSql: [sqlComment(`REINDEX of ${q(ix)} changes no definition: nothing to undo.`)],
      });
      continue;
    }

    const fks = input.foreignKeys.filter(
      (fk) => fkSupporters(fk, input.indexes).length === 0 && fkSupporters(fk, [asRebuilt(ix)]).length > 0,
    );
    if (fks.length) evidence.foreignKeys = fks.map((fk) => fk.name).join(', ');
    if (ix.unique || fks.length) {
      out.dropped.add(ix.oid);
      out.rebuilt.push(ix);
      const why = ix.unique
        ? `it enforces uniqueness (${tq(ix)} holds no duplicate keys now)`
        : `it would be the only index for foreign key ${fks.map((fk) => `"${fk.name}"`).join(', ')}`;
      finding('rebuild', {
        action: 'drop-and-recreate',
        summary: `Index ${q(ix)} is invalid (a failed CREATE INDEX CONCURRENTLY): queries do not use it${writes}, and ${why}. Drop it and build it again.`,
        upSql: rebuild.up,
        downSql: rebuild.down,
        // the foreign key it is rebuilt for (the nightly report drops it instead where a recommendation serves that key)
        ...(!ix.unique && fks[0] ? { foreignKey: { name: fks[0].name, columns: [...fks[0].columns] } } : {}),
      });
      continue;
    }

    finding('uncertain', {
      action: 'review',
      summary:
        `Index ${q(ix)} is invalid (a failed CREATE INDEX CONCURRENTLY): queries do not use it${writes}. Uncertain whether anything needs it: ` +
        'it backs no constraint, is not unique and no foreign key needs it. Rebuild it if queries should use it, else drop it (both below, as comments).',
      upSql: [
        sqlComment('Uncertain: nothing here runs. To rebuild it:'),
        ...rebuild.up.map(sqlComment),
        sqlComment('Or, if nothing needs it, only:'),
        ...dropIndexSql(ix).map((s) => (s.startsWith('--') ? s : sqlComment(s))),
      ],
      downSql: [],
    });
  }
  return out;
}
