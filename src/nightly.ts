// The nightly report: advice for the workload plus the audit of the indexes that already exist,
// with the two reconciled into one plan (./report/reconcile.ts: an index is proposed once, by one
// of the two migrations). The catalog is read once and handed to both. The audit failing (permissions,
// a replica down) costs a warning, not the advice; a connection lost for good (db/errors.ts) ends
// the run with what it has, marked partial.
import { type AdviseOptions, adviseWithStatements, DEFAULT_STATEMENT_TIMEOUT_MS, nothingRead, partialRun } from './advise.js';
import { type AuditOptions, audit } from './audit/audit.js';
import { confirmByHiding, needsConfirmation } from './audit/confirmByHiding.js';
import { readCatalog } from './catalog/readCatalog.js';
import { ownReadsTimeoutMs, reconnect } from './db/connect.js';
import { ConnectionLostError } from './db/errors.js';
import { isConnectionLoss, withSession } from './db/session.js';
import { reconcileAdviceWithAudit } from './report/reconcile.js';
import type { AdviceResult, AuditFinding, AuditResult, Catalog, ParsedStatement } from './types.js';
import { WhatIfEvaluator } from './verify/evaluator.js';

export type NightlyOptions = AdviseOptions & { audit?: boolean };

export async function nightlyReport(opts: NightlyOptions): Promise<AdviceResult> {
  if (opts.audit === false) return (await adviseWithStatements(opts)).result;
  opts.progress?.stage('reading catalog and workload');
  const statementTimeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const reconnections: string[] = [];
  let catalog = opts.catalog;
  try {
    catalog ??= await withSession(
      opts.url,
      { statementTimeoutMs: ownReadsTimeoutMs(statementTimeoutMs) },
      'reading the catalog',
      (client) => readCatalog(client),
      (why) => reconnections.push(why),
    );
  } catch (err) {
    if (err instanceof ConnectionLostError) return nothingRead(opts, err, reconnections);
    throw err;
  }
  const { result: advised, statements, tablesOf } = await adviseWithStatements({ ...opts, catalog });
  const result = { ...advised, warnings: [...reconnections, ...advised.warnings] };
  if (result.partial) {
    // The server is gone: the audit would only wait for it again.
    return { ...result, partial: { ...result.partial, missing: [...result.partial.missing, 'the audit of existing indexes'] } };
  }
  opts.progress?.stage('auditing the existing indexes');
  try {
    const found = await auditWithReconnect(
      { urls: [opts.url], catalog, statementTimeoutMs: ownReadsTimeoutMs(statementTimeoutMs) },
      (why) => result.warnings.push(why),
    );
    const confirm = result.hiding?.available && found.findings.some(needsConfirmation);
    if (confirm) opts.progress?.stage('hiding the indexes the audit would drop');
    const audited = confirm
      ? { ...found, findings: await confirmWithHypopg(opts, found.findings, { catalog, statements, tablesOf, result }, statementTimeoutMs) }
      : found;
    opts.progress?.done();
    const reconciled = reconcileAdviceWithAudit(result.recommendations, audited, catalog);
    return {
      ...result,
      recommendations: reconciled.recommendations,
      struckOut: [...result.struckOut, ...reconciled.struckOut],
      audit: reconciled.audit,
    };
  } catch (err) {
    opts.progress?.done();
    if (err instanceof ConnectionLostError) return { ...result, partial: partialRun(err, ['the audit of existing indexes'], true) };
    return { ...result, warnings: [...result.warnings, `audit of existing indexes failed: ${(err as Error).message}`] };
  }
}

/**
 * The audit, and once more (when the server accepts connections again) if its connection was lost;
 * lost again, ConnectionLostError. The `audit` command runs it this way too.
 */
export async function auditWithReconnect(options: AuditOptions, onReconnect: (why: string) => void): Promise<AuditResult> {
  try {
    return await audit(options);
  } catch (err) {
    if (!isConnectionLoss(err)) throw err;
    // Waits for a restarting server before the second try.
    try {
      await (await reconnect(options.urls[0]!, { statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS })).end();
    } catch (down) {
      throw new ConnectionLostError('auditing the existing indexes', down);
    }
    onReconnect(
      `the connection was lost while auditing the existing indexes (${(err as Error).message}); the advisor reconnected and audited again`,
    );
    try {
      return await audit(options);
    } catch (again) {
      if (isConnectionLoss(again)) throw new ConnectionLostError('auditing the existing indexes', again);
      throw again;
    }
  }
}

/**
 * The audit's unused, duplicate and redundant findings, each confirmed by hiding the index and
 * costing the workload again (audit/confirmByHiding.ts) on one what-if connection. A failure (a
 * connection lost for good) leaves the findings as the audit made them, with a warning.
 */
async function confirmWithHypopg(
  opts: NightlyOptions,
  findings: AuditFinding[],
  input: { catalog: Catalog; statements: ParsedStatement[]; tablesOf: ReadonlyMap<string, ReadonlySet<string>>; result: AdviceResult },
  statementTimeoutMs: number,
): Promise<AuditFinding[]> {
  const queryOf = new Map(input.result.statements.map((s) => [s.statementId, s.query]));
  const plannable = new Set(input.result.statements.filter((s) => s.costBefore !== null).map((s) => s.statementId));
  let evaluator: WhatIfEvaluator | undefined;
  try {
    evaluator = await WhatIfEvaluator.open(opts.url, input.tablesOf, { concurrency: 1, statementTimeoutMs });
    return await confirmByHiding(
      findings,
      {
        catalog: input.catalog,
        statements: input.statements.filter((s) => plannable.has(s.id)),
        tablesOf: input.tablesOf,
        queryOf: (id) => queryOf.get(id) ?? id,
      },
      evaluator,
    );
  } catch (err) {
    // The findings stand as the audit made them; the report says they were not confirmed, and why.
    const why = isConnectionLoss(err) ? `the connection was lost (${(err as Error).message})` : (err as Error).message;
    input.result.warnings.push(`the audit's findings were not confirmed by hiding the indexes: ${why}`);
    return findings;
  } finally {
    await evaluator?.close();
  }
}
