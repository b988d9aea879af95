// Measures candidates hypopg cannot simulate (GIN, GiST) by building each for real on the scratch
// database the user named (--verify-real), one at a time, each in a transaction that is rolled back.
import type { IndexCandidate, ParsedStatement, RealMeasurement } from '../types.js';
import { RealIndexSession } from './realIndexSession.js';

export interface RealMeasurements {
  measured: RealMeasurement[];
  /** Candidates the scratch database refused to build, with its reason. */
  failed: Array<{ key: string; error: string }>;
  /** The scratch database (URL with the password redacted). */
  where: string;
  explainCalls: number;
}

export async function measureRealIndexes(
  url: string,
  candidates: IndexCandidate[],
  servedBy: (c: IndexCandidate) => ParsedStatement[],
  statementTimeoutMs: number,
): Promise<RealMeasurements> {
  const session = await RealIndexSession.open(url, statementTimeoutMs);
  const measured: RealMeasurement[] = [];
  const failed: RealMeasurements['failed'] = [];
  try {
    for (const c of candidates) {
      const stmts = servedBy(c);
      if (stmts.length === 0) continue;
      const r = await session.evaluate(c, stmts);
      if (r.ok) measured.push({ candidate: c, bytes: r.bytes, before: r.before, after: r.after });
      else failed.push({ key: c.key, error: r.error });
    }
  } finally {
    await session.close();
  }
  return { measured, failed, where: session.url, explainCalls: session.explainCalls };
}
