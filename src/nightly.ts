// The nightly report: advice for the workload plus the audit of the indexes that already exist,
// with the two reconciled into one plan (./report/reconcile.ts: an index is proposed once, by one
// of the two migrations). The catalog is read once and handed to both. The audit failing (permissions,
// a replica down) costs a warning, not the advice.
import { type AdviseOptions, advise, DEFAULT_STATEMENT_TIMEOUT_MS } from './advise.js';
import { audit } from './audit/audit.js';
import { readCatalogAt } from './catalog/readCatalog.js';
import { reconcileAdviceWithAudit } from './report/reconcile.js';
import type { AdviceResult } from './types.js';

export type NightlyOptions = AdviseOptions & { audit?: boolean };

export async function nightlyReport(opts: NightlyOptions): Promise<AdviceResult> {
  if (opts.audit === false) return advise(opts);
  opts.progress?.stage('reading catalog and workload');
  const catalog =
    opts.catalog ?? (await readCatalogAt(opts.url, { statementTimeoutMs: opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS }));
  const result = await advise({ ...opts, catalog });
  try {
    opts.progress?.stage('auditing the existing indexes');
    const found = await audit({
      urls: [opts.url],
      catalog,
      ...(opts.statementTimeoutMs ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
    });
    opts.progress?.done();
    const reconciled = reconcileAdviceWithAudit(result.recommendations, found, catalog);
    return {
      ...result,
      recommendations: reconciled.recommendations,
      struckOut: [...result.struckOut, ...reconciled.struckOut],
      audit: reconciled.audit,
    };
  } catch (err) {
    opts.progress?.done();
    return { ...result, warnings: [...result.warnings, `audit of existing indexes failed: ${(err as Error).message}`] };
  }
}
