// The report's headline counts the indexes the migration creates (verified ones); unverified
// proposals, which the migration only carries as comments, are mentioned apart.
import { describe, expect, it } from 'vitest';
import { adviceMarkdown } from '../../src/report/markdown.js';
import { migrationUp } from '../../src/report/migration.js';
import type { AdviceResult, IndexCandidate, Recommendation } from '../../src/types.js';

function rec(table: string, column: string, method: IndexCandidate['method'], verified: boolean): Recommendation {
  const name = `${table}_${column}_${method}_idx`;
  return {
    candidate: {
      key: name,
      schema: 'public',
      table,
      method,
      columns: [{ sql: column, column }],
      include: [],
      statementIds: ['s1'],
      reasons: [`equality on ${column}`],
    },
    definition: `CREATE INDEX ${name} ON public.${table}${method === 'btree' ? '' : ` USING ${method}`} (${column})`,
    name,
    estimatedBytes: verified ? 8192 : 0,
    benefit: verified ? 1000 : 0,
    writeCost: 0,
    benefitShare: verified ? 0.1 : 0,
    verified,
    verifiedBy: verified ? 'hypopg' : 'none',
    verification: verified ? 'hypopg hypothetical index' : 'hypopg cannot simulate GIN',
    statements: [{ statementId: 's1', costBefore: 100, costAfter: verified ? 10 : Number.NaN, weight: 1 }],
  };
}

function result(recommendations: Recommendation[]): AdviceResult {
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    target: 'postgresql://u@h/db',
    serverVersion: 15,
    workloadOrigin: 'test',
    weight: 'calls',
    recommendations,
    statements: [{ statementId: 's1', query: 'SELECT 1 FROM t WHERE a = $1', calls: 1, totalExecMs: 1, costBefore: 100, costAfter: 10 }],
    rejectedCandidates: [],
    struckOut: [],
    notChosen: [],
    notAdvisable: [],
    skipped: [],
    workloadCostBefore: 100,
    workloadCostAfter: 10,
    statementsAnalyzed: 1,
    candidatesConsidered: 3,
    whatIfCalls: 5,
    warnings: [],
  };
}

const headline = (r: AdviceResult) =>
  adviceMarkdown(r)
    .split('\n')
    .find((l) => l.startsWith('- Estimated workload cost:'))!;
/** CREATE INDEX statements the migration runs (not the commented-out ones). */
const creates = (r: AdviceResult) =>
  migrationUp(r)
    .split('\n')
    .filter((l) => /^CREATE INDEX/.test(l)).length;

describe('the headline of advice.md', () => {
  it('counts the verified indexes the migration creates, and mentions the unverified proposals apart', () => {
    const r = result([rec('t', 'a', 'btree', true), rec('t', 'b', 'btree', true), rec('t', 'tags', 'gin', false)]);
    expect(creates(r)).toBe(2);
    expect(headline(r)).toMatch(/ with 2 new indexes, and 1 unverified proposal \(as comments in the migration, not in this estimate\)$/);
  });

  it('one index, several proposals', () => {
    const r = result([rec('t', 'a', 'btree', true), rec('t', 'tags', 'gin', false), rec('t', 'attributes', 'gin', false)]);
    expect(creates(r)).toBe(1);
    expect(headline(r)).toMatch(/ with 1 new index, and 2 unverified proposals \(as comments in the migration, not in this estimate\)$/);
  });

  it('only unverified proposals: no new index', () => {
    const r = result([rec('t', 'tags', 'gin', false)]);
    expect(creates(r)).toBe(0);
    expect(headline(r)).toMatch(/ with 0 new indexes, and 1 unverified proposal /);
  });

  it('all verified: no word of proposals', () => {
    const r = result([rec('t', 'a', 'btree', true), rec('t', 'b', 'hash', true), rec('t', 'c', 'brin', true)]);
    expect(creates(r)).toBe(3);
    expect(headline(r)).toMatch(/ with 3 new indexes$/);
  });
});
