// A fleet: the nightly report for many databases, side by side within a global limit and a limit
// per server, each written to its own folder. One database failing never stops the others; the
// index page (./indexPage.ts) names it with its error.
import { join } from 'node:path';
import pLimit from 'p-limit';
import { redactUrl } from '../db/connect.js';
import { HistoryLockedError, targetKey } from '../history/store.js';
import { type NightlyOptions, nightlyReport } from '../nightly.js';
import { type HistoryOptions, nightlyWithHistory } from '../nightlyHistory.js';
import { isCreated } from '../report/migration.js';
import { writeAdviceReports } from '../report/writeReports.js';
import type { AdviceResult } from '../types.js';
import { writeIndexPage } from './indexPage.js';

export interface FleetDatabase {
  /** Names its report folder and its line on the index page. */
  name: string;
  url: string;
  options: Omit<NightlyOptions, 'url' | 'progress' | 'catalog' | 'workload'> &
    Partial<Pick<HistoryOptions, 'window' | 'regressionThreshold'>>;
}

export interface FleetPlan {
  databases: FleetDatabase[];
  /** Shared by every database (each under its own key and lock). */
  history?: string;
  out: string;
  concurrency: number;
  perHost: number;
}

export type FleetStatus = 'done' | 'nothing-analysed' | 'failed' | 'locked';

/** One database's night, as the index page shows it. */
export interface FleetOutcome {
  name: string;
  /** The URL without its password. */
  target: string;
  /** host:port, what the per-server limit counts. */
  server: string;
  status: FleetStatus;
  error?: string;
  /** Why the report fails --fail-on. */
  failed?: string[];
  /** advice.md, relative to the index page. */
  report?: string;
  figures?: {
    statementsAnalyzed: number;
    recommendations: number;
    findings: number;
    /** Share of the workload's estimated cost the advice saves. */
    saves: number;
    windowCalls?: number;
    newAdvice?: number;
    applied?: number;
    regressions?: number;
  };
  seconds: number;
}

export interface FleetResult {
  generatedAt: string;
  outcomes: FleetOutcome[];
  index: { markdown: string; json: string };
  seconds: number;
}

export interface FleetHooks {
  /** What in a report fails the run (--fail-on), in words; none by default. */
  judge?: (result: AdviceResult) => string[];
  /** After each database, in the order they finish. */
  onDone?: (outcome: FleetOutcome) => void;
  /** Tests: the runs' time. */
  clock?: () => Date;
}

export async function runFleet(plan: FleetPlan, hooks: FleetHooks = {}): Promise<FleetResult> {
  const started = Date.now();
  const all = pLimit(plan.concurrency);
  const perServer = new Map<string, ReturnType<typeof pLimit>>();
  const serverOf = (url: string) => targetKey(url).replace(/\/.*$/, '');
  // The server's slot is taken first and held while waiting for a global one: a server at its limit
  // never holds global slots that other servers could use.
  const outcomes = await Promise.all(
    plan.databases.map((db) => {
      const server = serverOf(db.url);
      if (!perServer.has(server)) perServer.set(server, pLimit(plan.perHost));
      return perServer.get(server)!(() =>
        all(async () => {
          const outcome = await runOne(plan, db, server, hooks);
          hooks.onDone?.(outcome);
          return outcome;
        }),
      );
    }),
  );
  const generatedAt = new Date().toISOString();
  const seconds = (Date.now() - started) / 1000;
  const index = await writeIndexPage(plan.out, { generatedAt, outcomes, seconds });
  return { generatedAt, outcomes, index, seconds };
}

async function runOne(plan: FleetPlan, db: FleetDatabase, server: string, hooks: FleetHooks): Promise<FleetOutcome> {
  const started = Date.now();
  const base = { name: db.name, target: redactUrl(db.url), server };
  const seconds = () => (Date.now() - started) / 1000;
  try {
    const { window, regressionThreshold, ...options } = db.options;
    const nightly: NightlyOptions = { ...options, url: db.url };
    const result = plan.history
      ? await nightlyWithHistory({
          ...nightly,
          history: plan.history,
          ...(window ? { window } : {}),
          ...(regressionThreshold !== undefined ? { regressionThreshold } : {}),
          ...(hooks.clock ? { clock: hooks.clock } : {}),
        })
      : await nightlyReport(nightly);
    await writeAdviceReports(result, join(plan.out, db.name));
    const failed = hooks.judge?.(result) ?? [];
    const h = result.history;
    return {
      ...base,
      status: result.statementsAnalyzed === 0 ? 'nothing-analysed' : 'done',
      ...(failed.length ? { failed } : {}),
      report: `${db.name}/advice.md`,
      figures: {
        statementsAnalyzed: result.statementsAnalyzed,
        recommendations: result.recommendations.filter(isCreated).length,
        findings: result.audit?.findings.filter((f) => f.action !== 'keep').length ?? 0,
        saves: result.workloadCostBefore > 0 ? 1 - result.workloadCostAfter / result.workloadCostBefore : 0,
        ...(h
          ? {
              windowCalls: h.window.calls,
              newAdvice: h.diff.recommendations.new.length,
              applied: h.diff.recommendations.applied.length,
              regressions: h.diff.regressions.length,
            }
          : {}),
      },
      seconds: seconds(),
    };
  } catch (err) {
    const message = (err as Error).message.replace(/postgres(?:ql)?:\/\/\S+/g, (u) => redactUrl(u));
    return { ...base, status: err instanceof HistoryLockedError ? 'locked' : 'failed', error: message, seconds: seconds() };
  }
}
