// The constant sources (./constants/): run each, match full texts to statements by fingerprint,
// and hand each statement the constants seen for it (WorkloadStatement.constants). The parse stage
// decides what they mean for the statement (src/parse/constants.ts).
import type pg from 'pg';
import type { ObservedConstant, Workload } from '../types.js';
import { ACTIVITY_DEFAULTS, type ActivityOptions, activitySource } from './constants/activity.js';
import { matchSamples } from './constants/align.js';
import { logSource } from './constants/logSource.js';
import { qualstatsSource } from './constants/qualstats.js';
import type { ConstantSource } from './constants/source.js';

export interface ConstantOptions {
  /** Server log files to read constants from (`--log`). */
  logFiles?: string[];
  /** Live samples of pg_stat_activity (default 10, 100 ms apart; `samples: 0` turns them off). */
  activity?: Partial<ActivityOptions>;
}

/** Every source a real installation may have; each says nothing when it has nothing. */
export function constantSources(opts: ConstantOptions): ConstantSource[] {
  const activity = { ...ACTIVITY_DEFAULTS, ...opts.activity };
  return [
    qualstatsSource(),
    ...(opts.logFiles?.length ? [logSource(opts.logFiles)] : []),
    ...(activity.samples > 0 ? [activitySource(activity)] : []),
  ];
}

/** The workload with the constants the sources saw for each statement (`constants`), and their warnings. */
export async function recoverConstants(client: pg.Client, workload: Workload, sources: ConstantSource[]): Promise<Workload> {
  const found = new Map<string, ObservedConstant[]>();
  const add = (statementId: string, c: ObservedConstant) => found.set(statementId, [...(found.get(statementId) ?? []), c]);
  const warnings = [...workload.warnings];
  const read: string[] = [];
  for (const source of sources) {
    const out = await source.collect({ client, statements: workload.statements });
    warnings.push(...(out.warnings ?? []));
    if (out.summary) read.push(out.summary);
    for (const c of out.constants ?? []) add(c.statementId, c.constant);
    if (out.samples?.length) {
      const matched = matchSamples(out.samples, workload.statements);
      for (const c of matched.constants) add(c.statementId, c.constant);
    }
  }
  const statements = workload.statements.map((s) => {
    const constants = found.get(s.id);
    return constants ? { ...s, constants: [...(s.constants ?? []), ...constants] } : s;
  });
  const origin = read.length ? `${workload.origin}; constants from ${read.join(', ')}` : workload.origin;
  return { ...workload, statements, warnings, origin };
}
