// What changed since the previous run: recommendations new, still open, withdrawn and applied (the
// index is in the catalog now, with what its statements' mean time did), audit findings new,
// still open and resolved, and statements that got slower. Pure: the previous snapshot and this
// run's figures in, the diff and what this run's snapshot remembers out.
import type {
  AppliedRecommendation,
  AuditFinding,
  IndexUsage,
  Recommendation,
  RememberedFinding,
  RememberedRecommendation,
  RunDiff,
  Snapshot,
  TimeRegression,
  WindowStatement,
} from '../types.js';
import { meanMs } from './window.js';

export const DIFF_DEFAULTS = {
  /** Mean time half again as long as in the previous window: a regression. */
  regressionThreshold: 0.5,
  /** Fewer calls than this in either window say too little about a mean. */
  minCalls: 10,
  /** A statement of applied advice slower by more than this share is called slower (timings jitter). */
  slowerTolerance: 0.1,
};

export interface DiffInput {
  /** The latest snapshot before this run, if any. */
  previous?: Snapshot;
  takenAt: string;
  recommendations: Recommendation[];
  findings: AuditFinding[];
  /** The target's indexes now. */
  indexes: IndexUsage[];
  /** This run's window, per statement (since the previous snapshot). */
  tonight: WindowStatement[];
  /** Per statement analysed, the existing indexes its plan uses now. */
  plans?: Record<string, string[]>;
  regressionThreshold?: number;
  minCalls?: number;
  /**
   * False when the run analysed no statement (a quiet night, a reset): its empty advice says nothing
   * about the previous recommendations, which stay open as they were (none is called withdrawn).
   */
  analysed?: boolean;
}

export interface DiffOutput {
  diff: RunDiff;
  /** What this run's snapshot keeps of its advice and audit (first seen, runs). */
  recommendations: RememberedRecommendation[];
  findings: RememberedFinding[];
}

export function diffRuns(input: DiffInput): DiffOutput {
  const { previous, takenAt } = input;
  const regressionThreshold = input.regressionThreshold ?? DIFF_DEFAULTS.regressionThreshold;
  const minCalls = input.minCalls ?? DIFF_DEFAULTS.minCalls;

  const before = new Map((previous?.recommendations ?? []).map((r) => [r.key, r]));
  const recommendations = input.recommendations.map((r): RememberedRecommendation => {
    const seen = before.get(r.candidate.key);
    return {
      key: r.candidate.key,
      name: r.name,
      schema: r.candidate.schema,
      table: r.candidate.table,
      definition: r.definition,
      statementIds: r.statements.map((s) => s.statementId),
      benefitShare: r.benefitShare,
      firstSeen: seen?.firstSeen ?? takenAt,
      runs: (seen?.runs ?? 0) + 1,
    };
  });
  const nowKeys = new Set(recommendations.map((r) => r.key));
  const applied: AppliedRecommendation[] = [];
  const withdrawn: RememberedRecommendation[] = [];
  const carried: RememberedRecommendation[] = [];
  for (const r of previous?.recommendations ?? []) {
    if (nowKeys.has(r.key)) continue;
    const index = findIndex(r, input.indexes);
    const hadIt = previous && findIndex(r, previous.counters.indexes);
    if (index && !hadIt) applied.push(appliedFigures(r, index.name, takenAt, previous!.windowStatements, input.tonight));
    else if (input.analysed === false) carried.push(r);
    else withdrawn.push(r);
  }

  const findingsBefore = new Map((previous?.findings ?? []).map((f) => [f.key, f]));
  const findings = input.findings.map((f): RememberedFinding => {
    const key = findingKey(f);
    const seen = findingsBefore.get(key);
    return { key, kind: f.kind, summary: f.summary, firstSeen: seen?.firstSeen ?? takenAt, runs: (seen?.runs ?? 0) + 1 };
  });
  const findingKeys = new Set(findings.map((f) => f.key));

  return {
    diff: {
      previousRun: previous?.takenAt ?? null,
      recommendations: {
        new: previous ? recommendations.filter((r) => r.runs === 1) : recommendations,
        open: [...recommendations.filter((r) => r.runs > 1), ...carried],
        withdrawn,
        applied,
      },
      findings: {
        new: previous ? findings.filter((f) => f.runs === 1) : findings,
        open: findings.filter((f) => f.runs > 1),
        resolved: (previous?.findings ?? []).filter((f) => !findingKeys.has(f.key)),
      },
      regressions: previous
        ? regressions(previous.windowStatements, input.tonight, regressionThreshold, minCalls).map((g) =>
            withPlanChange(g, previous.plans?.[g.queryid], input.plans?.[g.queryid]),
          )
        : [],
      regressionThreshold,
    },
    recommendations: [...recommendations, ...carried],
    findings,
  };
}

/** The same finding on every run: its kind, table, and the index or foreign key it is about. */
export function findingKey(f: Pick<AuditFinding, 'kind' | 'schema' | 'table' | 'index' | 'foreignKey'>): string {
  return `${f.kind}|${f.schema}.${f.table}|${f.index ?? f.foreignKey?.name ?? ''}`;
}

/**
 * The recommended index in the catalog: by its name in its schema, or (built under another name)
 * by its definition without the name (`pg_get_indexdef` spells `USING btree`, which ours leaves out).
 */
export function findIndex(r: RememberedRecommendation, indexes: IndexUsage[]): IndexUsage | undefined {
  const onTable = indexes.filter((i) => i.valid && i.schema === r.schema && i.table === r.table);
  return onTable.find((i) => i.name === r.name) ?? onTable.find((i) => definitionBody(i.definition) === definitionBody(r.definition));
}

function definitionBody(sql: string): string {
  return sql
    .replace(/^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|\S+)\s+ON\s+(ONLY\s+)?/i, '')
    .replace(/\s+USING\s+btree\s*/i, ' ')
    .replace(/\s+/g, '')
    .toLowerCase();
}

function appliedFigures(
  r: RememberedRecommendation,
  index: string,
  foundOn: string,
  before: WindowStatement[],
  after: WindowStatement[],
): AppliedRecommendation {
  const b = new Map(before.map((s) => [s.queryid, s]));
  const a = new Map(after.map((s) => [s.queryid, s]));
  const statements = r.statementIds.map((id) => {
    const mb = meanMs(b.get(id));
    const ma = meanMs(a.get(id));
    return {
      queryid: id,
      query: a.get(id)?.query ?? b.get(id)?.query ?? '',
      meanMsBefore: mb,
      meanMsAfter: ma,
      slower: mb !== null && ma !== null && ma > mb * (1 + DIFF_DEFAULTS.slowerTolerance),
    };
  });
  const sum = (m: Map<string, WindowStatement>) => {
    const mine = r.statementIds.map((id) => m.get(id)).filter((s): s is WindowStatement => s !== undefined);
    return meanMs({ calls: mine.reduce((n, s) => n + s.calls, 0), totalExecMs: mine.reduce((n, s) => n + s.totalExecMs, 0) });
  };
  return { recommendation: r, foundOn, index, statements, meanMsBefore: sum(b), meanMsAfter: sum(a) };
}

function regressions(before: WindowStatement[], after: WindowStatement[], threshold: number, minCalls: number): TimeRegression[] {
  const b = new Map(before.map((s) => [s.queryid, s]));
  const out: TimeRegression[] = [];
  for (const s of after) {
    const p = b.get(s.queryid);
    if (!p || p.calls < minCalls || s.calls < minCalls) continue;
    const mb = p.totalExecMs / p.calls;
    const ma = s.totalExecMs / s.calls;
    if (ma > mb * (1 + threshold)) {
      out.push({ queryid: s.queryid, query: s.query, meanMsBefore: mb, meanMsAfter: ma, callsBefore: p.calls, callsAfter: s.calls });
    }
  }
  return out.sort((x, y) => y.meanMsAfter * y.callsAfter - x.meanMsAfter * x.callsAfter);
}

/** The plan's index use at both runs, when both are known and differ. */
function withPlanChange(g: TimeRegression, before: string[] | undefined, after: string[] | undefined): TimeRegression {
  if (!before || !after || before.join(',') === after.join(',')) return g;
  return { ...g, planChanged: { indexesBefore: before, indexesAfter: after } };
}
