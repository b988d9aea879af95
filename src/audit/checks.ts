// The audit's checks by name, each with its one-line description, and the schema checks that DBAs'
// own index linters run (pg-index-health is the reference), beside the judgement of ./analyze.ts:
//
//   mostly-null-index  b-tree whose leading key column is mostly NULL: replaced by a partial index
//                      WHERE col IS NOT NULL (built first, then the old one dropped) where that is
//                      safe, else report only
//   boolean-index      b-tree led by a boolean column: report only (a partial index on the rare value)
//   btree-array-index  b-tree with an array key column: report only (GIN serves @>, <@, &&)
//   fk-type-mismatch   foreign key column of another type than the key it references: report only
//   duplicate-fk       two foreign keys with the same columns to the same key: report only
//
// "Report only" findings have the action 'review': their SQL is written as `--` comments, because
// what would fix them changes which queries an index serves, or the schema itself (ALTER TABLE),
// and the audit cannot see the queries. Pure functions of what ./read.ts and the catalog hold.
import { fitName, uniqueName } from '../db/names.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../db/quote.js';
import { formatBytes } from '../format.js';
import type { AuditFinding, AuditFindingKind } from '../types.js';
import { freshBtree } from './bloat.js';
import { dropIndexSql, parseIndexDef, restoreIndexSql, sqlComment } from './ddl.js';
import type { AuditColumn, AuditForeignKey, AuditIndex, ColumnStats } from './model.js';
import { constraintProtection, dropProtection, notNullPredicate, q, tq, usable } from './rules.js';

export interface AuditCheck {
  kind: AuditFindingKind;
  /** Section title in the report. */
  title: string;
  /** One line: what the check finds. */
  description: string;
}

/** Every check, in the order the report lists them. */
export const AUDIT_CHECKS: readonly AuditCheck[] = [
  {
    kind: 'invalid',
    title: 'Invalid indexes',
    description: 'Indexes left INVALID by a failed CREATE INDEX / REINDEX CONCURRENTLY: writes may maintain them, no query uses them.',
  },
  {
    kind: 'duplicate',
    title: 'Duplicate indexes',
    description: 'Indexes identical to another one (columns, operator classes, collations, order, INCLUDE, predicate, method).',
  },
  { kind: 'unused', title: 'Unused indexes', description: 'Indexes that no host scanned over the statistics window.' },
  {
    kind: 'redundant',
    title: 'Redundant indexes',
    description:
      'B-trees whose keys are a leading prefix of another b-tree with the same predicate, which serves the same lookups ' +
      '(on PostgreSQL 18, for review: one another b-tree serves by a skip scan over few values).',
  },
  {
    kind: 'mostly-null-index',
    title: 'Indexes on mostly NULL keys',
    description:
      'B-trees whose leading key column is mostly NULL (pg_stats): a partial index WHERE col IS NOT NULL is a fraction of the size.',
  },
  {
    kind: 'bloated',
    title: 'Bloated indexes',
    description: 'B-trees a REINDEX INDEX CONCURRENTLY would shrink by more than the thresholds.',
  },
  {
    kind: 'missing-fk-index',
    title: 'Foreign keys without an index',
    description: 'Foreign keys whose columns lead no index: every delete or key update of the referenced row scans the table.',
  },
  {
    kind: 'boolean-index',
    title: 'Indexes on boolean columns',
    description: 'B-trees led by a boolean column: two values cannot narrow a search much; a partial index on the rare value can.',
  },
  {
    kind: 'btree-array-index',
    title: 'B-tree indexes on array columns',
    description: 'B-trees with an array key column: they compare whole arrays only; GIN serves the element searches (@>, <@, &&).',
  },
  {
    kind: 'fk-type-mismatch',
    title: 'Foreign keys of another type than the key they reference',
    description: 'Foreign key columns whose type differs from the referenced column (int4 → int8): checks and joins compare across types.',
  },
  {
    kind: 'duplicate-fk',
    title: 'Duplicate foreign keys',
    description: 'Foreign keys with the same columns referencing the same columns of the same table: every write checks both.',
  },
];

/** A value of one boolean column is rare (worth a partial index of its own) at or below this share of the rows. */
export const RARE_VALUE_SHARE = 0.2;

export interface CheckInput {
  indexes: AuditIndex[];
  foreignKeys: AuditForeignKey[];
  /** Index columns with their types and statistics, by columnKey(). */
  columns: ReadonlyMap<string, AuditColumn>;
  /** Indexes an earlier finding drops or replaces: not judged again. */
  dropped: ReadonlySet<number>;
  /** Relation names per schema, plus the names already given out (new names must not clash). */
  taken: Map<string, Set<string>>;
  /** Mostly NULL from this share of NULLs in the leading key column. */
  nullFrac: number;
  blockSize: number;
  maxAlign: number;
}

export function columnKey(tableOid: number, attnum: number): string {
  return `${tableOid}:${attnum}`;
}

function newName(input: CheckInput, schema: string, name: string): string {
  const taken = input.taken.get(schema) ?? new Set<string>();
  input.taken.set(schema, taken);
  return uniqueName(fitName(name), taken);
}

/** The leading key of an index when it is a plain column, with its type and statistics. */
function leadingColumn(ix: AuditIndex, input: CheckInput): AuditColumn | undefined {
  const lead = ix.keys[0];
  if (!lead || lead.attnum === 0) return undefined;
  return input.columns.get(columnKey(ix.tableOid, lead.attnum));
}

/** Indexes the schema checks look at: valid b-trees that stay, judged at their own level (not attached partitions). */
function judged(ix: AuditIndex, input: CheckInput): boolean {
  return ix.method === 'btree' && usable(ix) && !input.dropped.has(ix.oid) && !ix.isPartition;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** Statements shown, not run: each line a `--` comment. */
const commented = (sql: string[]) => sql.map((s) => (s.startsWith('--') ? s : sqlComment(s)));

/**
 * A statement that stops the migration (an error, so psql -v ON_ERROR_STOP=1 ends there) unless
 * `index` exists and is valid: a rerun after a failed CONCURRENTLY build would otherwise skip the
 * INVALID leftover (IF NOT EXISTS) and drop the index it was to replace.
 */
export function requireValidIndexSql(schema: string, index: string, instead: string): string {
  const name = quoteQualified(schema, index);
  const message = `${name} is missing or INVALID (its CONCURRENTLY build failed), so ${instead} is not dropped: drop ${name} and run this again`;
  const body =
    `BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_index WHERE indexrelid = pg_catalog.to_regclass(${quoteLiteral(name)}) ` +
    `AND indisvalid) THEN RAISE EXCEPTION ${quoteLiteral(message.replace(/%/g, '%%'))}; END IF; END`;
  let tag = '$pgia$';
  for (let n = 1; body.includes(tag); n++) tag = `$pgia${n}$`;
  return `DO ${tag} ${body} ${tag};`;
}

/**
 * Estimated size of the index without its NULL-keyed entries (the partial index WHERE lead IS NOT
 * NULL), from pg_stats widths; without statistics for every position, in proportion to the rows.
 */
function partialBytes(ix: AuditIndex, lead: AuditColumn, input: CheckInput): number {
  const nullFrac = lead.stats?.nullFrac ?? 0;
  const rows = Math.max(0, ix.reltuples) * (1 - nullFrac);
  const positions = [...ix.keys, ...ix.include];
  const columns = positions.map((p, i): ColumnStats | null => {
    const c = p.attnum === 0 ? undefined : input.columns.get(columnKey(ix.tableOid, p.attnum));
    if (!c?.stats) return null;
    return { nullFrac: i === 0 ? 0 : c.stats.nullFrac, avgWidth: c.stats.avgWidth, isName: c.type === 'name' };
  });
  const fresh = freshBtree({ reltuples: rows, fillfactor: ix.fillfactor, blockSize: input.blockSize, maxAlign: input.maxAlign, columns });
  if (fresh) return fresh.pages * input.blockSize;
  return Math.ceil((ix.bytes * (1 - nullFrac)) / input.blockSize) * input.blockSize;
}

/** Why a mostly-NULL index must not be replaced by the migration, or undefined when it may be. */
function replaceBlocker(ix: AuditIndex, lead: AuditColumn): string | undefined {
  const protection = constraintProtection(ix);
  if (protection) return `it ${protection}: the migration never replaces such an index`;
  if (ix.unique) {
    return (
      'it is UNIQUE: a partial unique index enforces the same rule, but INSERT ... ON CONFLICT ' +
      `(${quoteIdent(lead.name)}) finds it only when the statement repeats its WHERE, so the replacement is left to you`
    );
  }
  if (ix.relkind === 'I') return 'it is a partitioned index: CREATE INDEX CONCURRENTLY cannot build the replacement on a partitioned table';
  if (ix.keys.length > 1) {
    return (
      `it has more key columns: lookups of ${quoteIdent(lead.name)} IS NULL with a condition on the next key use its NULL entries, ` +
      'which the partial index would not have'
    );
  }
  return undefined;
}

/**
 * mostly-null-index: b-trees, not partial, whose leading key column is at least `nullFrac` NULL
 * and whose partial copy WHERE col IS NOT NULL would be smaller. Returns the findings and the
 * indexes the migration replaces (they are not judged as bloated afterwards: the new build has no bloat).
 */
export function mostlyNullIndexes(input: CheckInput): { findings: AuditFinding[]; replaced: number[] } {
  const findings: AuditFinding[] = [];
  const replaced: number[] = [];
  for (const ix of input.indexes) {
    if (!judged(ix, input) || ix.predicate !== null) continue;
    const lead = leadingColumn(ix, input);
    const nullFrac = lead?.stats?.nullFrac;
    if (!lead || lead.notNull || nullFrac === undefined || nullFrac <= 0 || nullFrac < input.nullFrac) continue;
    const estimate = partialBytes(ix, lead, input);
    const giveBack = Math.max(0, ix.bytes - estimate);
    if (giveBack <= 0) continue;
    const def = parseIndexDef(ix.definition);
    if (!def) continue;
    const where = notNullPredicate(lead.name);
    const twin = input.indexes.find(
      (o) =>
        o.tableOid === ix.tableOid &&
        usable(o) &&
        !input.dropped.has(o.oid) &&
        !o.unique &&
        parseIndexDef(o.definition)?.rest === `${def.rest} WHERE ${where}`,
    );
    if (twin && !replaceBlocker(ix, lead)) {
      // The partial index exists already: the full one only adds the NULL entries.
      replaced.push(ix.oid);
      findings.push({
        ...about(ix, 'mostly-null-index'),
        action: 'drop',
        summary:
          `Index ${q(ix)} has ${pct(nullFrac)} NULL in its leading column ${quoteIdent(lead.name)} (pg_stats), and ${q(twin)} is the same index ` +
          `WHERE ${where}: drop ${q(ix)} (gives back ${formatBytes(ix.bytes)}). Queries that look for NULLs in ${quoteIdent(lead.name)}, ` +
          'or read it in order with no condition on it, cannot use the partial one.',
        evidence: {
          column: lead.name,
          nullFrac: Math.round(nullFrac * 1000) / 1000,
          partialTwin: q(twin),
          bytes: ix.bytes,
          definition: ix.definition,
          partialDefinition: twin.definition,
        },
        bytes: ix.bytes,
        reclaimableBytes: ix.bytes,
        upSql: dropIndexSql(ix),
        downSql: restoreIndexSql(ix),
      });
      continue;
    }
    const name = newName(input, ix.schema, `${ix.name}_not_null`);
    const create = `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${def.rest} WHERE ${where};`;
    const blocker = replaceBlocker(ix, lead);
    const evidence: AuditFinding['evidence'] = {
      column: lead.name,
      nullFrac: Math.round(nullFrac * 1000) / 1000,
      indexRows: Math.round(Math.max(0, ix.reltuples)),
      bytes: ix.bytes,
      estimatedPartialBytes: estimate,
      definition: ix.definition,
      partialDefinition: `CREATE INDEX ${quoteIdent(name)} ON ${def.rest} WHERE ${where}`,
    };
    const what =
      `Index ${q(ix)} has ${pct(nullFrac)} NULL in its leading column ${quoteIdent(lead.name)} (pg_stats), and holds an entry for every one: ` +
      `the partial index ${quoteIdent(name)} ... WHERE ${where} would be ~${formatBytes(estimate)} instead of ${formatBytes(ix.bytes)} ` +
      `(gives back ~${formatBytes(giveBack)}), and serves every lookup that implies ${quoteIdent(lead.name)} IS NOT NULL ` +
      `(=, <, >, IN, joins, foreign key checks)`;
    if (blocker) {
      evidence.reportOnly = blocker;
      findings.push({
        ...about(ix, 'mostly-null-index'),
        action: 'review',
        summary: `${what}. Not done by the migration: ${blocker}.`,
        evidence,
        bytes: ix.bytes,
        upSql: commented([
          '-- Report only: nothing here runs. After checking the queries, build the partial index, then drop the old one:',
          create,
          ...dropIndexSql(ix),
        ]),
        downSql: [],
      });
      continue;
    }
    replaced.push(ix.oid);
    findings.push({
      ...about(ix, 'mostly-null-index'),
      action: 'replace',
      summary:
        `${what}. Build it, then drop ${q(ix)}. Queries that look for NULLs in ${quoteIdent(lead.name)}, or read it in order with ` +
        `no condition on it, cannot use the partial index (at ${pct(nullFrac)} NULL a table scan serves the NULLs better anyway).`,
      evidence,
      bytes: ix.bytes,
      reclaimableBytes: giveBack,
      upSql: [create, requireValidIndexSql(ix.schema, name, q(ix)), ...dropIndexSql(ix)],
      downSql: [
        ...restoreIndexSql(ix),
        requireValidIndexSql(ix.schema, ix.name, quoteQualified(ix.schema, name)),
        `DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(ix.schema, name)};`,
      ],
    });
  }
  return { findings, replaced };
}

/** Shares of true, false and NULL in a boolean column, from pg_stats (undefined without statistics). */
function booleanShares(c: AuditColumn): { t: number; f: number; n: number } | undefined {
  const s = c.stats;
  if (!s) return undefined;
  const vals = s.mostCommonVals ?? [];
  const freqs = s.mostCommonFreqs ?? [];
  const share = (v: string) => {
    const i = vals.findIndex((x) => x === v || x === (v === 't' ? 'true' : 'false'));
    return i < 0 ? undefined : (freqs[i] ?? 0);
  };
  let t = share('t');
  let f = share('f');
  const rest = Math.max(0, 1 - s.nullFrac - (t ?? 0) - (f ?? 0));
  // pg_stats lists a value only when it is common enough: the other one has the rest.
  if (t === undefined && f === undefined) return undefined;
  if (t === undefined) t = rest;
  if (f === undefined) f = rest;
  return { t, f, n: s.nullFrac };
}

/**
 * boolean-index: b-trees led by a boolean column, not unique and not partial (a partial one has
 * narrowed itself already). Report only, with the partial index on the rare value as a comment.
 */
export function booleanIndexes(input: CheckInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const ix of input.indexes) {
    if (!judged(ix, input) || ix.predicate !== null || dropProtection(ix)) continue;
    const lead = leadingColumn(ix, input);
    if (lead?.category !== 'B') continue;
    const shares = booleanShares(lead);
    const col = quoteIdent(lead.name);
    const evidence: AuditFinding['evidence'] = {
      column: lead.name,
      type: lead.type,
      trueShare: shares ? Math.round(shares.t * 1000) / 1000 : null,
      falseShare: shares ? Math.round(shares.f * 1000) / 1000 : null,
      nullShare: shares ? Math.round(shares.n * 1000) / 1000 : null,
      bytes: ix.bytes,
      definition: ix.definition,
    };
    const rare = shares
      ? ([['t', shares.t] as const, ['f', shares.f] as const].find(([, v]) => v > 0 && v <= RARE_VALUE_SHARE)?.[0] ?? null)
      : null;
    const split = shares ? ` (true ${pct(shares.t)}, false ${pct(shares.f)}, NULL ${pct(shares.n)})` : ' (no pg_stats for it)';
    let summary =
      `Index ${q(ix)} is led by boolean column ${col}${split}: a b-tree on two values cannot narrow a search much, ` +
      'and for the common value a table scan serves better.';
    const upSql = ['-- Report only: nothing here runs.'];
    if (rare) {
      const cond = rare === 't' ? col : `NOT ${col}`;
      const rest = ix.keys.slice(1).map((k) => k.text);
      const keys = rest.length ? rest.join(', ') : col;
      const include = ix.include.length ? ` INCLUDE (${ix.include.map((p) => p.text).join(', ')})` : '';
      const name = newName(input, ix.schema, `${ix.name}_where_${rare === 't' ? '' : 'not_'}${lead.name}`);
      const partial = `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${tq(ix)} (${keys})${include} WHERE ${cond};`;
      evidence.rareValue = rare === 't';
      evidence.partialDefinition = `CREATE INDEX ${quoteIdent(name)} ON ${tq(ix)} (${keys})${include} WHERE ${cond}`;
      summary +=
        ` The rare value (${rare === 't' ? 'true' : 'false'}) is what an index is for: the partial index ${quoteIdent(name)} ` +
        `on (${keys}) WHERE ${cond} holds only those rows; if no query needs ${q(ix)} for the common value, build it and drop ${q(ix)} (see the SQL).`;
      upSql.push('-- If no query needs the index for the common value, build the partial index on the rare one, then drop this one:');
      upSql.push(partial, ...dropIndexSql(ix));
    } else {
      summary += shares
        ? ' Neither value is rare: if queries use it for one value only, make it partial on that value; check its scans before dropping it.'
        : ' ANALYZE the table to see whether one value is rare enough for a partial index.';
    }
    findings.push({
      kind: 'boolean-index',
      schema: ix.schema,
      table: ix.table,
      index: ix.name,
      action: 'review',
      summary,
      evidence,
      bytes: ix.bytes,
      upSql: commented(upSql),
      downSql: [],
    });
  }
  return findings;
}

/**
 * btree-array-index: b-trees with an array column among their keys (a domain over an array too),
 * not unique (uniqueness of whole arrays is a rule only a b-tree enforces). Report only.
 */
export function btreeArrayIndexes(input: CheckInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const ix of input.indexes) {
    if (!judged(ix, input) || dropProtection(ix)) continue;
    const arrays = ix.keys
      .filter((k) => k.attnum !== 0)
      .map((k) => input.columns.get(columnKey(ix.tableOid, k.attnum)))
      .filter((c): c is AuditColumn => c?.category === 'A');
    if (!arrays.length) continue;
    const cols = arrays.map((c) => `${quoteIdent(c.name)} (${c.type})`).join(', ');
    const gin = arrays.map((c) => {
      const name = newName(input, ix.schema, `${ix.table}_${c.name}_gin_idx`);
      return `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${tq(ix)} USING gin (${quoteIdent(c.name)});`;
    });
    findings.push({
      kind: 'btree-array-index',
      schema: ix.schema,
      table: ix.table,
      index: ix.name,
      action: 'review',
      summary:
        `Index ${q(ix)} is a b-tree on array column${arrays.length > 1 ? 's' : ''} ${cols}: a b-tree compares whole arrays ` +
        '(=, <, >, ORDER BY) and cannot serve @>, <@, && or = ANY, and an array too large for a b-tree entry (about 2.7 kB after ' +
        'compression) makes the insert fail. For element searches build a GIN index; drop the b-tree if no query compares whole arrays (see the SQL).',
      evidence: {
        arrayColumns: arrays.map((c) => c.name).join(', '),
        types: arrays.map((c) => c.type).join(', '),
        bytes: ix.bytes,
        definition: ix.definition,
      },
      bytes: ix.bytes,
      upSql: commented([
        '-- Report only: nothing here runs. For searches by element (@>, <@, &&):',
        ...gin,
        '-- and if no query compares whole arrays with it:',
        ...dropIndexSql(ix),
      ]),
      downSql: [],
    });
  }
  return findings;
}

/**
 * fk-type-mismatch: a foreign key whose column type (a domain read as its base type) is not the
 * type of the column it references. Report only: the fix is ALTER COLUMN ... TYPE, a table rewrite.
 */
export function fkTypeMismatches(input: CheckInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const fk of input.foreignKeys) {
    const pairs = fk.columns.map((c, i) => ({
      column: c,
      type: fk.types[i] ?? '?',
      ref: fk.refColumns[i] ?? '?',
      refType: fk.refTypes[i] ?? '?',
      differs: fk.typeOids[i] !== fk.refTypeOids[i],
    }));
    const off = pairs.filter((p) => p.differs);
    if (!off.length) continue;
    const ref = quoteQualified(fk.refSchema, fk.refTable);
    const table = tq(fk);
    const list = off.map((p) => `${quoteIdent(p.column)} ${p.type} → ${quoteIdent(p.ref)} ${p.refType}`).join(', ');
    findings.push({
      kind: 'fk-type-mismatch',
      schema: fk.schema,
      table: fk.table,
      action: 'review',
      summary:
        `Foreign key ${quoteIdent(fk.name)} on ${table} references ${ref} with another type (${list}): every check of the key and every ` +
        'join on it compares across types (a cross-type operator, or a cast that can keep an index from being used), and values of the ' +
        `referenced key may not fit the column. Give the column the referenced type (ALTER TABLE ... ALTER COLUMN ... TYPE rewrites ${table} ` +
        'and its indexes under an ACCESS EXCLUSIVE lock: plan it; see the SQL).',
      evidence: {
        foreignKey: fk.name,
        columns: fk.columns.join(', '),
        types: fk.types.join(', '),
        references: ref,
        referencedColumns: fk.refColumns.join(', '),
        referencedTypes: fk.refTypes.join(', '),
        definition: fk.definition,
        tableRows: Math.round(fk.tableRows),
        tableBytes: fk.tableBytes,
      },
      foreignKey: { name: fk.name, columns: [...fk.columns] },
      upSql: commented([
        `-- Report only: nothing here runs. Rewrites ${table} under an ACCESS EXCLUSIVE lock:`,
        ...off.map((p) => `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(p.column)} TYPE ${p.refType};`),
      ]),
      downSql: commented(off.map((p) => `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(p.column)} TYPE ${p.type};`)),
    });
  }
  return findings;
}

/**
 * duplicate-fk: foreign keys of one table with the same (column → referenced column) pairs to the
 * same table. The one kept: validated, then the older. Report only: dropping a constraint is a
 * schema change, never run by the migration.
 */
export function duplicateForeignKeys(input: CheckInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const groups = new Map<string, AuditForeignKey[]>();
  for (const fk of input.foreignKeys) {
    const pairs = fk.attnums.map((a, i) => `${a}>${fk.refAttnums[i]}`).sort();
    const key = `${fk.tableOid}|${fk.refTableOid}|${pairs.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), fk]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const [keeper, ...dups] = [...group].sort((a, b) => Number(b.validated) - Number(a.validated) || a.oid - b.oid);
    for (const fk of dups) {
      const table = tq(fk);
      const ref = quoteQualified(fk.refSchema, fk.refTable);
      const differs = fk.definition.replace(/ NOT VALID$/, '') !== keeper!.definition.replace(/ NOT VALID$/, '');
      findings.push({
        kind: 'duplicate-fk',
        schema: fk.schema,
        table: fk.table,
        action: 'review',
        summary:
          `Foreign key ${quoteIdent(fk.name)} on ${table} duplicates ${quoteIdent(keeper!.name)} ` +
          `(${fk.columns.map(quoteIdent).join(', ')} → ${ref} (${fk.refColumns.map(quoteIdent).join(', ')})): every insert and key update ` +
          `of ${table}, and every delete or key update of ${ref}, checks both. ` +
          (differs
            ? `They differ in what they do (${fk.definition} / ${keeper!.definition}): decide which one is meant, then drop the other. `
            : `Drop ${quoteIdent(fk.name)}. `) +
          'ALTER TABLE ... DROP CONSTRAINT is a schema change (it locks both tables briefly): the migration does not run it (see the SQL).',
        evidence: {
          foreignKey: fk.name,
          duplicateOf: keeper!.name,
          columns: fk.columns.join(', '),
          references: ref,
          referencedColumns: fk.refColumns.join(', '),
          definition: fk.definition,
          keptDefinition: keeper!.definition,
          sameBehaviour: !differs,
        },
        foreignKey: { name: fk.name, columns: [...fk.columns] },
        upSql: commented(['-- Report only: nothing here runs.', `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(fk.name)};`]),
        downSql: commented([`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition};`]),
      });
    }
  }
  return findings;
}

/** The fields that say which index a finding is about. */
function about(ix: AuditIndex, kind: AuditFindingKind): Pick<AuditFinding, 'kind' | 'schema' | 'table' | 'index'> {
  return { kind, schema: ix.schema, table: ix.table, index: ix.name };
}
