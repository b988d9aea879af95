// The command line: a thin layer that turns flags into options for the pipeline and writes the
// reports. Errors are printed as one clear line (no stack) and exit with status 1.
import { readFileSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Progress } from '../advise.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS } from '../advise.js';
import { DEFAULT_THRESHOLDS } from '../audit/analyze.js';
import { redactUrl } from '../db/connect.js';
import { runFleet } from '../fleet/run.js';
import { DIFF_DEFAULTS } from '../history/diff.js';
import { HistoryLockedError } from '../history/store.js';
import { auditWithReconnect, type NightlyOptions, nightlyReport } from '../nightly.js';
import { nightlyWithHistory } from '../nightlyHistory.js';
import { isCreated } from '../report/migration.js';
import { MIGRATION_FORMATS } from '../report/migrationFormats.js';
import { summaryMarkdown } from '../report/summary.js';
import { adviceJson, ensureWritable, writeAdviceReports, writeAuditReports } from '../report/writeReports.js';
import { SELECT_DEFAULTS } from '../select/selectIndexes.js';
import type { AdviceResult } from '../types.js';
import { failReasons, parseFailOn } from './failOn.js';
import { parseFleetConfig } from './fleetConfig.js';
import { checkUrl, parseBytes, parseDuration, parseFraction, parseInteger, parseStatsAge } from './parseOptions.js';
import { terminalProgress } from './progress.js';

/** An option that takes a fraction (`0.3` or `30%`), with its default. */
const fraction = (flags: string, description: string, value: number) =>
  new Option(flags, description).argParser(parseFraction).default(value);

/** A duration option, with its default shown as a duration. */
const duration = (flags: string, description: string, ms: number, shown: string) =>
  new Option(flags, description).argParser(parseDuration).default(ms, shown);

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The progress line now on the terminal: an error is printed on a line of its own, after it is cleared. */
let progressShown: Progress | undefined;

/** Exit status when the run wrote its report but analysed no statement (README: "Exit status"). */
export const EXIT_NOTHING_ANALYSED = 3;
/** Exit status when the report holds what --fail-on names (README: "Exit status"). */
export const EXIT_FAIL_ON = 2;
/** Exit status when the run ended early (the connection lost for good) and wrote a partial report (README: "Exit status"). */
export const EXIT_PARTIAL = 4;
/** Exit status when another run against the same target holds the history's lock: nothing was done. */
export const EXIT_LOCKED = 5;
/** Exit status of `nightly --config` when some databases failed (their errors are on the index page). */
export const EXIT_FLEET_FAILED = 6;
let exitStatus = 0;

const program = new Command();
program
  .name('pg-index-advisor')
  .description('PostgreSQL index advisor: proposes indexes for a workload and proves them with hypothetical indexes (hypopg).')
  .version(version, '-V, --version')
  .showHelpAfterError('(add --help for usage)')
  // Commander repeats a bad option value in its message: never a password.
  .configureOutput({ outputError: (text, write) => write(redactSecrets(text)) });

program
  .command('advise')
  .description('advise indexes for the workload in pg_stat_statements (or a workload file)')
  .requiredOption('--db <url>', 'connection URL of the target database (a read replica works too)', process.env.DATABASE_URL)
  .option('--workload <file>', 'advise from a .sql or .json workload file instead of pg_stat_statements')
  .option(
    '--log <file...>',
    'server logs (stderr, csvlog or jsonlog; rotated or .gz) of log_min_duration_statement or auto_explain: the constants of the statements',
  )
  .option('--out <dir>', 'where to write advice.md, advice.json and the migrations', 'reports')
  .option('--json', 'also print advice.json to stdout')
  .option('--min-calls <n>', 'ignore statements called fewer times', parseInteger)
  .option('--min-total-ms <ms>', 'ignore statements with less total execution time', parseDuration)
  .option('--top <n>', 'only the N statements with the most total time', parseInteger)
  .option(
    '--budget <size>',
    'total size of new indexes, e.g. 500MB or 2GB (kB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: powers of 1024; a plain number: bytes)',
    parseBytes,
  )
  .option('--max-indexes <n>', 'at most this many new indexes', parseInteger)
  .option('--max-per-table <n>', 'at most this many new indexes per table', parseInteger)
  .addOption(
    fraction(
      '--min-improvement <fraction>',
      "a statement's cost must fall by at least this much to count (0.3 or 30%); 5% where a new index reads under a tenth of a table",
      SELECT_DEFAULTS.minImprovement,
    ),
  )
  .addOption(
    fraction(
      '--min-benefit-share <fraction>',
      "an index must save at least this share of the workload's cost",
      SELECT_DEFAULTS.minBenefitShare,
    ),
  )
  .addOption(new Option('--weight <what>', 'what weighs a statement').choices(['calls', 'total_time']).default('calls'))
  .option('--max-columns <n>', 'widest multicolumn index to consider', parseInteger, 3)
  .option('--concurrency <n>', 'connections used for what-if planning (default: a quarter of the free connections, 1 to 4)', parseInteger)
  .addOption(
    duration('--statement-timeout <duration>', 'statement_timeout of every analysis statement', DEFAULT_STATEMENT_TIMEOUT_MS, '30s'),
  )
  .option(
    '--verify-real <url>',
    'a scratch database (a copy, never production) where GIN and GiST candidates are built in rolled-back transactions to measure them',
  )
  .option('--verify-real-on-target', '--verify-real may name the target database itself (a build there blocks writes to the table)')
  .option('--no-audit', 'leave out the audit of existing indexes from the report')
  .addOption(
    new Option(
      '--migration-format <tool>',
      'also write the migration for this tool, in its no-transaction mode, in a folder named after it',
    )
      .choices(MIGRATION_FORMATS)
      .default('plain'),
  )
  .option('--create-extension', 'run CREATE EXTENSION hypopg in the target if it is missing (the only change the advisor makes)')
  .option('--history <dir|url>', "keep a snapshot of each run in this folder or PostgreSQL database: the night's window, and what changed")
  .option('--history-key <name>', "the name the target's history is kept under (default: host:port/database)")
  .addOption(
    new Option(
      '--window <window>',
      'the workload advised: since the previous run (needs --history), the last 7 days of runs, or all time ' +
        '(default: last with --history, else all)',
    ).choices(['last', '7d', 'all']),
  )
  .addOption(
    fraction(
      '--regression-threshold <fraction>',
      'with --history: a statement whose mean time grew by more than this since the previous run is reported slower',
      DIFF_DEFAULTS.regressionThreshold,
    ),
  )
  .option('--fail-on <what>', 'exit with status 2 when the report holds: new-advice, advice, audit (comma-separated)', parseFailOn)
  .option('--summary <github|file>', 'write a short Markdown summary: github appends it to $GITHUB_STEP_SUMMARY, else the file named')
  .action(async (o) => {
    checkUrl('--db', o.db);
    if (o.verifyReal) checkUrl('--verify-real', o.verifyReal);
    if (o.window && o.window !== 'all' && !o.history)
      throw new InvalidArgumentError(`--window ${o.window} needs --history (the runs to compare)`);
    // An --out that cannot be written is found now, not after the analysis.
    await ensureWritable(o.out);
    const progress = terminalProgress();
    progressShown = progress;
    const options: NightlyOptions = {
      audit: o.audit,
      url: o.db,
      workloadFile: o.workload,
      logFiles: o.log,
      minCalls: o.minCalls,
      minTotalMs: o.minTotalMs,
      top: o.top,
      budgetBytes: o.budget,
      maxIndexes: o.maxIndexes,
      maxPerTable: o.maxPerTable,
      minImprovement: o.minImprovement,
      minBenefitShare: o.minBenefitShare,
      weight: o.weight,
      maxColumns: o.maxColumns,
      ...(o.concurrency !== undefined ? { concurrency: Math.max(1, o.concurrency) } : {}),
      statementTimeoutMs: o.statementTimeout,
      createExtension: Boolean(o.createExtension),
      verifyRealUrl: o.verifyReal,
      verifyRealOnTarget: Boolean(o.verifyRealOnTarget),
      progress,
    };
    const result = o.history
      ? await nightlyWithHistory({
          ...options,
          history: o.history,
          window: o.window ?? 'last',
          regressionThreshold: o.regressionThreshold,
          ...(o.historyKey ? { historyKey: o.historyKey } : {}),
        })
      : await nightlyReport(options);
    const files = await writeAdviceReports(result, o.out, { migrationFormat: o.migrationFormat });
    if (o.json) process.stdout.write(adviceJson(result));
    const log = o.json ? console.error : console.log;
    const created = result.recommendations.filter(isCreated).length;
    const proposed = result.recommendations.length - created;
    const unverifiedNote = proposed ? ` and ${proposed} unverified proposal(s) (comments in the migration)` : '';
    log(
      `${created} index(es) recommended${unverifiedNote} for ${result.statementsAnalyzed} statements (${result.whatIfCalls} what-if calls).`,
    );
    for (const w of result.warnings) console.error(`warning: ${w}`);
    if (result.notAdvisable.length) console.error(`${result.notAdvisable.length} statement(s) could not be advised: see ${files.markdown}`);
    log(`Report: ${files.markdown}\nJSON: ${files.json}\nMigration: ${files.up} (down: ${files.down})\nHTML: ${files.html}`);
    if (files.migrationFolders.length) log(`Migration for ${o.migrationFormat}: ${files.migrationFolders.join(', ')}`);
    if (result.partial) {
      // What the report lacks, and a status the scheduler can tell from a finished night.
      console.error(
        `error: partial report: ${result.partial.error}; ` + `missing: ${result.partial.missing.join('; ')}. See ${files.markdown}`,
      );
      exitStatus = EXIT_PARTIAL;
    } else if (result.statementsAnalyzed === 0) {
      // A report with nothing in it is not a night's advice: say so, and let the scheduler see it.
      console.error(
        `error: no statement was analysed (${result.skipped.length} left out, ${result.notAdvisable.length} could not be advised): ` +
          `see ${files.markdown} for why`,
      );
      exitStatus = EXIT_NOTHING_ANALYSED;
    }
    const failed = o.failOn ? failReasons(result, o.failOn) : [];
    if (o.summary) await writeSummary(o.summary, summaryMarkdown(result, { failed, report: files.markdown }));
    if (failed.length) {
      console.error(`failing (--fail-on ${o.failOn.join(',')}): ${failed.join('; ')}`);
      if (exitStatus === 0) exitStatus = EXIT_FAIL_ON;
    }
  });

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

program
  .command('nightly')
  .description('the nightly report for a fleet of databases, each with its own options (a JSON file: docs/fleet.md)')
  .requiredOption(
    '--config <file>',
    'the fleet file: databases (URLs written without passwords, or from environment variables) and options',
  )
  .option('--out <dir>', 'where the reports go (<dir>/<name>/advice.md…, <dir>/index.md); default: the file\'s "out"')
  .option('--history <dir|url>', 'keep each database\'s snapshots here (default: the file\'s "history")')
  .option('--concurrency <n>', "databases advised at once (default: the file's, else 4)", parseInteger)
  .option('--per-host <n>', "databases advised at once on one server (default: the file's, else 2)", parseInteger)
  .option('--fail-on <what>', 'exit with status 2 when a report holds: new-advice, advice, audit (comma-separated)', parseFailOn)
  .option('--summary <github|file>', 'write the index page as a summary: github appends it to $GITHUB_STEP_SUMMARY, else the file named')
  .action(async (o) => {
    const plan = parseFleetConfig(await readFile(o.config, 'utf8'), o.config);
    if (o.out) plan.out = o.out;
    if (o.history) plan.history = o.history;
    if (o.concurrency) plan.concurrency = o.concurrency;
    if (o.perHost) plan.perHost = o.perHost;
    const failOn = o.failOn ?? plan.failOn;
    await ensureWritable(plan.out);
    const fleet = await runFleet(plan, {
      ...(failOn.length ? { judge: (r: AdviceResult) => failReasons(r, failOn) } : {}),
      onDone: (d) =>
        console.error(`${d.name}: ${d.status}${d.error ? `: ${d.error}` : ''}${d.failed ? ` (fails: ${d.failed.join('; ')})` : ''}`),
    });
    const failed = fleet.outcomes.filter((d) => d.status === 'failed' || d.status === 'locked');
    console.log(
      `${fleet.outcomes.length} databases in ${fleet.seconds.toFixed(0)} s: ${fleet.outcomes.length - failed.length} reported, ${failed.length} failed` +
        (failed.length ? ` (${failed.map((d) => d.name).join(', ')})` : '') +
        `.\nIndex: ${fleet.index.markdown}\nJSON: ${fleet.index.json}`,
    );
    if (o.summary) await writeSummary(o.summary, await readFile(fleet.index.markdown, 'utf8'));
    if (failed.length) exitStatus = EXIT_FLEET_FAILED;
    else if (fleet.outcomes.some((d) => d.failed?.length)) exitStatus = EXIT_FAIL_ON;
  });

program
  .command('audit')
  .description(
    'audit existing indexes: unused, duplicate, redundant, invalid, bloated, missing for foreign keys, mostly NULL, ' +
      'on boolean or array columns; foreign keys of another type than their key, duplicate foreign keys',
  )
  .option(
    '--db <url>',
    'connection URL; repeat it for replicas (the first is the primary); an index is unused only if no host used it',
    collect,
  )
  .option('--out <dir>', 'where to write audit.md, audit.json and the migrations', 'reports')
  .option('--json', 'also print audit.json to stdout')
  .option('--min-stats-age <age>', 'do not call an index unused before statistics are this old (7, 7d, 12h, 30m; 0 disables)', '7d')
  .option('--max-scans <n>', 'an index with at most this many scans over all hosts is unused', parseInteger, 0)
  .option(
    '--last-scan-age <age>',
    'PostgreSQL 16+: an index last scanned longer ago than this (on every host) is unused whatever its scan count (0 disables)',
    '30d',
  )
  .addOption(
    fraction('--bloat-ratio <fraction>', 'reindex when a rebuild would give back more than this share', DEFAULT_THRESHOLDS.bloatRatio),
  )
  .addOption(
    new Option(
      '--bloat-min-bytes <size>',
      '...and more than this much space (kB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: powers of 1024; a plain number: bytes)',
    )
      .argParser(parseBytes)
      .default(DEFAULT_THRESHOLDS.bloatMinBytes, '10MB'),
  )
  .addOption(
    fraction(
      '--null-frac <fraction>',
      'a b-tree whose leading key is at least this share NULL is mostly NULL',
      DEFAULT_THRESHOLDS.nullFrac,
    ),
  )
  .option('--schema <name>', 'only this schema (repeatable)', collect)
  .addOption(duration('--statement-timeout <duration>', 'statement_timeout of every audit statement', DEFAULT_STATEMENT_TIMEOUT_MS, '30s'))
  .option('--no-pgstattuple', "do not use pgstattuple's pgstatindex() even where it is installed (it reads each index in full)")
  .action(async (o) => {
    const urls: string[] = o.db ?? (process.env.DATABASE_URL ? [process.env.DATABASE_URL] : []);
    if (urls.length === 0) throw new Error("required option '--db <url>' not specified (add --help for usage)");
    for (const url of urls) checkUrl('--db', url);
    await ensureWritable(o.out);
    const reconnected: string[] = [];
    const audited = await auditWithReconnect(
      {
        urls,
        minStatsAgeDays: parseStatsAge(o.minStatsAge),
        maxScans: o.maxScans,
        lastScanAgeDays: parseStatsAge(o.lastScanAge, '--last-scan-age'),
        bloatRatio: o.bloatRatio,
        bloatMinBytes: o.bloatMinBytes,
        nullFrac: o.nullFrac,
        statementTimeoutMs: o.statementTimeout,
        usePgstattuple: o.pgstattuple,
        ...(o.schema ? { schemas: o.schema } : {}),
      },
      (why) => reconnected.push(why),
    );
    const result = { ...audited, warnings: [...reconnected, ...audited.warnings] };
    const files = await writeAuditReports(result, o.out);
    if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const log = o.json ? console.error : console.log;
    for (const w of result.warnings) console.error(`warning: ${w}`);
    log(
      `${result.findings.length} finding(s) on existing indexes.\nReport: ${files.markdown}\nJSON: ${files.json}\nMigration: ${files.up} (down: ${files.down})`,
    );
  });

export async function main(argv: string[]): Promise<number> {
  try {
    exitStatus = 0;
    await program.parseAsync(argv);
    return exitStatus;
  } catch (err) {
    const e = err as Error & { code?: string };
    progressShown?.done();
    if (err instanceof HistoryLockedError) {
      console.error(`error: ${redactSecrets(e.message)}; this run did nothing`);
      return EXIT_LOCKED;
    }
    // Connection strings can appear in driver messages: never print a password.
    console.error(`error: ${redactSecrets(e.message)}${hintFor(e.code)}`);
    if (process.env.PGIA_DEBUG) console.error(e.stack);
    return 1;
  }
}

/** What to try, for the server errors that have an obvious next step (told apart by SQLSTATE). */
function hintFor(sqlstate: string | undefined): string {
  if (sqlstate === '57014') return ' (a statement ran past statement_timeout: raise it with --statement-timeout, e.g. 2min)';
  if (sqlstate === '55P03') return ' (a table was locked by another session past lock_timeout: try again when the lock is gone)';
  return '';
}

/** `--summary github`: appended to the job's summary file, as GitHub Actions expects; else written to the file named. */
async function writeSummary(where: string, text: string): Promise<void> {
  if (where !== 'github') return writeFile(where, `${text}\n`);
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) {
    console.error('warning: --summary github: $GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?); no summary written');
    return;
  }
  await appendFile(file, `${text}\n`);
}

function redactSecrets(message: string): string {
  return message.replace(/postgres(?:ql)?:\/\/\S+/g, (url) => redactUrl(url));
}

export { program };
