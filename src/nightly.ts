// The nightly report: advice for the workload plus the audit of the indexes that already exist,
// with the two reconciled (a recommended index that also serves an unindexed foreign key is
// proposed once). The audit failing (permissions, a replica down) costs a warning, not the advice.
import { type AdviseOptions, advise } from './advise.js';
import { audit } from './audit/audit.js';
import { reconcileAdviceWithAudit } from './report/reconcile.js';
import type { AdviceResult } from './types.js';

export async function nightlyReport(opts: AdviseOptions & { audit?: boolean }): Promise<AdviceResult> {
  const result = await advise(opts);
  if (opts.audit === false) return result;
  try {
    const found = await audit({ urls: [opts.url], ...(opts.statementTimeoutMs ? { statementTimeoutMs: opts.statementTimeoutMs } : {}) });
    const reconciled = reconcileAdviceWithAudit(result.recommendations, found);
    return { ...result, recommendations: reconciled.recommendations, audit: reconciled.audit };
  } catch (err) {
    return { ...result, warnings: [...result.warnings, `audit of existing indexes failed: ${(err as Error).message}`] };
  }
}
