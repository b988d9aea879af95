// `nightly --config fleet.json`: many databases, each with its own options. Secrets never sit in
// the file: a URL is written without its password (PGPASSWORD, ~/.pgpass) or named by an
// environment variable (`"url": {"env": "PG_URL_APP"}`); a password in the file is refused.
// Parsing only: src/fleet/ runs what this returns.
import { dirname, resolve } from 'node:path';
import type { FleetDatabase, FleetPlan } from '../fleet/run.js';
import type { HistoryOptions } from '../nightlyHistory.js';
import { type FailOn, parseFailOn } from './failOn.js';
import { checkUrl, parseBytes, parseDuration, parseFraction } from './parseOptions.js';

/** A value written in the file, or taken from the environment. */
type Source = string | { env: string };

export interface FleetFile {
  /** A folder (relative to the file) or a postgresql:// URL; may come from the environment. */
  history?: Source;
  /** Where reports go: `<out>/<name>/advice.md`…, and the index page `<out>/index.md` (default `reports`, relative to the file). */
  out?: string;
  /** Databases advised at once, over the whole fleet (default 4). */
  concurrency?: number;
  /** Databases advised at once on one server (host and port; default 2). */
  perHost?: number;
  failOn?: string;
  /** Options for every database, which each database's own `options` override. */
  defaults?: DatabaseOptionsFile;
  databases: Array<{ name: string; url: Source; options?: DatabaseOptionsFile }>;
}

export interface DatabaseOptionsFile {
  window?: 'last' | '7d' | 'all';
  audit?: boolean;
  minCalls?: number;
  minTotalMs?: string | number;
  top?: number;
  budget?: string | number;
  maxIndexes?: number;
  maxPerTable?: number;
  minImprovement?: string | number;
  minBenefitShare?: string | number;
  weight?: 'calls' | 'total_time';
  maxColumns?: number;
  /** What-if connections per database (default 1 in a fleet: the databases run side by side). */
  whatIfConnections?: number;
  statementTimeout?: string | number;
  regressionThreshold?: string | number;
}

const KNOWN_OPTIONS = new Set([
  'window',
  'audit',
  'minCalls',
  'minTotalMs',
  'top',
  'budget',
  'maxIndexes',
  'maxPerTable',
  'minImprovement',
  'minBenefitShare',
  'weight',
  'maxColumns',
  'whatIfConnections',
  'statementTimeout',
  'regressionThreshold',
]);

export class FleetConfigError extends Error {
  override name = 'FleetConfigError';
}

/** The plan for a fleet file's text; `file` is its path (relative paths in it are relative to its folder). */
export function parseFleetConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): FleetPlan & { failOn: FailOn[] } {
  let raw: FleetFile;
  try {
    raw = JSON.parse(text) as FleetFile;
  } catch (err) {
    throw new FleetConfigError(`${file}: not JSON: ${(err as Error).message}`);
  }
  const base = dirname(resolve(file));
  if (!Array.isArray(raw.databases) || raw.databases.length === 0) throw new FleetConfigError(`${file}: "databases" lists no database`);
  const names = new Set<string>();
  const databases: FleetDatabase[] = raw.databases.map((d, i) => {
    const where = `${file}: databases[${i}]`;
    if (typeof d.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(d.name)) {
      throw new FleetConfigError(`${where}: "name" must be letters, digits, '.', '_' or '-' (it names the report's folder)`);
    }
    if (names.has(d.name)) throw new FleetConfigError(`${where}: the name "${d.name}" is used twice`);
    names.add(d.name);
    const url = resolveSource(d.url, `${where} (${d.name}) "url"`, env, true);
    return { name: d.name, url, options: databaseOptions({ ...raw.defaults, ...d.options }, `${where} (${d.name})`) };
  });
  const history = raw.history === undefined ? undefined : resolveSource(raw.history, `${file}: "history"`, env, false);
  return {
    databases,
    ...(history ? { history: /^postgres(ql)?:\/\//i.test(history) ? history : resolve(base, history) } : {}),
    out: resolve(base, raw.out ?? 'reports'),
    concurrency: positive(raw.concurrency ?? 4, `${file}: "concurrency"`),
    perHost: positive(raw.perHost ?? 2, `${file}: "perHost"`),
    failOn: raw.failOn ? wrap(`${file}: "failOn"`, () => parseFailOn(raw.failOn!)) : [],
  };
}

function resolveSource(value: Source | undefined, what: string, env: NodeJS.ProcessEnv, isUrl: boolean): string {
  let text: string;
  if (typeof value === 'string') {
    text = value;
    if (isUrl || /^postgres(ql)?:\/\//i.test(value)) {
      // A password written in the file is a secret in the file: refused, whoever reads the file.
      if (hasPassword(value))
        throw new FleetConfigError(`${what}: holds a password; put the URL in an environment variable ({"env": "NAME"}) or use PGPASSWORD`);
    }
  } else if (value && typeof value === 'object' && typeof value.env === 'string') {
    const v = env[value.env];
    if (!v) throw new FleetConfigError(`${what}: the environment variable ${value.env} is not set`);
    text = v;
  } else {
    throw new FleetConfigError(`${what}: expected a string or {"env": "NAME"}`);
  }
  if (isUrl) wrap(what, () => checkUrl('url', text));
  return text;
}

function hasPassword(url: string): boolean {
  try {
    const u = new URL(url);
    return u.password !== '' || [...u.searchParams.keys()].some((k) => /pass/i.test(k));
  } catch {
    return /:\/\/[^/@]*:[^/@]*@/.test(url);
  }
}

type DatabaseOptions = FleetDatabase['options'];

function databaseOptions(o: DatabaseOptionsFile, where: string): DatabaseOptions {
  for (const k of Object.keys(o)) if (!KNOWN_OPTIONS.has(k)) throw new FleetConfigError(`${where}: unknown option "${k}"`);
  const str = (v: string | number) => String(v);
  const out: DatabaseOptions = { concurrency: o.whatIfConnections ?? 1 };
  if (o.window !== undefined) {
    if (!['last', '7d', 'all'].includes(o.window)) throw new FleetConfigError(`${where}: "window" is one of last, 7d, all`);
    out.window = o.window as HistoryOptions['window'] & string;
  }
  if (o.audit !== undefined) out.audit = Boolean(o.audit);
  if (o.minCalls !== undefined) out.minCalls = o.minCalls;
  if (o.minTotalMs !== undefined) out.minTotalMs = wrap(where, () => parseDuration(str(o.minTotalMs!)));
  if (o.top !== undefined) out.top = o.top;
  if (o.budget !== undefined) out.budgetBytes = wrap(where, () => parseBytes(str(o.budget!)));
  if (o.maxIndexes !== undefined) out.maxIndexes = o.maxIndexes;
  if (o.maxPerTable !== undefined) out.maxPerTable = o.maxPerTable;
  if (o.minImprovement !== undefined) out.minImprovement = wrap(where, () => parseFraction(str(o.minImprovement!)));
  if (o.minBenefitShare !== undefined) out.minBenefitShare = wrap(where, () => parseFraction(str(o.minBenefitShare!)));
  if (o.weight !== undefined) out.weight = o.weight;
  if (o.maxColumns !== undefined) out.maxColumns = o.maxColumns;
  if (o.statementTimeout !== undefined) out.statementTimeoutMs = wrap(where, () => parseDuration(str(o.statementTimeout!)));
  if (o.regressionThreshold !== undefined) out.regressionThreshold = wrap(where, () => parseFraction(str(o.regressionThreshold!)));
  return out;
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new FleetConfigError(`${what}: expected a whole number of at least 1`);
  return n;
}

function wrap<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new FleetConfigError(`${where}: ${(err as Error).message}`);
  }
}
