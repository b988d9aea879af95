// Measures candidates hypopg cannot simulate (GIN, GiST) by building each for real on the scratch
// database the user named (--verify-real), one at a time, each in a transaction that is rolled back.
import { ConnectionLostError, describeDbError, errorScope } from '../db/errors.js';
import type { IndexCandidate, ParsedStatement, RealMeasurement } from '../types.js';
import { RealIndexSession } from './realIndexSession.js';

export interface RealMeasurements {
  measured: RealMeasurement[];
  /** Candidates the scratch database refused to build, with its reason. */
  failed: Array<{ key: string; error: string }>;
  /** The scratch database (URL with the password redacted). */
  where: string;
  explainCalls: number;
  /** Connections lost and opened again, with the error that ended each (the candidate was measured again). */
  reconnections: string[];
}

export async function measureRealIndexes(
  url: string,
  candidates: IndexCandidate[],
  servedBy: (c: IndexCandidate) => ParsedStatement[],
  statementTimeoutMs: number,
): Promise<RealMeasurements> {
  let session = await RealIndexSession.open(url, statementTimeoutMs);
  const measured: RealMeasurement[] = [];
  const failed: RealMeasurements['failed'] = [];
  const reconnections: string[] = [];
  let explainCalls = 0;
  try {
    for (const c of candidates) {
      const stmts = servedBy(c);
      if (stmts.length === 0) continue;
      let r: Awaited<ReturnType<RealIndexSession['evaluate']>>;
      try {
        r = await session.evaluate(c, stmts);
      } catch (err) {
        if (errorScope(err) !== 'connection' && !session.lost) throw err;
        // The connection was lost: once more on a new one, then the run ends partial.
        explainCalls += session.explainCalls;
        await session.close();
        try {
          session = await RealIndexSession.open(url, statementTimeoutMs, true);
          reconnections.push(describeDbError(err));
          r = await session.evaluate(c, stmts);
        } catch (again) {
          if (errorScope(again) !== 'connection' && !session.lost) throw again;
          throw new ConnectionLostError('building GIN and GiST candidates on the --verify-real database', again);
        }
      }
      if (r.ok) measured.push({ candidate: c, bytes: r.bytes, before: r.before, after: r.after });
      else failed.push({ key: c.key, error: r.error });
    }
  } finally {
    await session.close();
  }
  return { measured, failed, where: session.url, explainCalls: explainCalls + session.explainCalls, reconnections };
}
