// Server logs as a constant source (Dexter's main input): each logged statement (stderr, csvlog or
// jsonlog output of log_min_duration_statement or auto_explain; rotated and gzipped files too) is
// matched to its pg_stat_statements entry by fingerprint, so calls and times still come from
// pg_stat_statements and only the constants from the log.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { normalizeSync } from 'libpg-query';
import type pg from 'pg';
import { ADVISOR_MARKER } from '../../db/connect.js';
import type { Workload, WorkloadStatement } from '../../types.js';
import { type HarvestOptions, selectStatements } from '../pgStatStatements.js';
import { fingerprintOf } from './align.js';
import { detectFormat, type LogFormat, type LoggedStatement, parseLog } from './logParse.js';
import type { ConstantSource, TextSample } from './source.js';

export function logSource(files: string[]): ConstantSource {
  return {
    name: 'log',
    async collect(ctx) {
      const db = await currentDatabase(ctx.client);
      // One sample per distinct text (and parameters) and file, with its count: a big log repeats itself.
      const samples = new Map<string, TextSample>();
      const warnings: string[] = [];
      let read = 0;
      for (const file of files) {
        try {
          for await (const s of readLogFile(file)) {
            read++;
            if (s.database !== undefined && s.database !== db) continue;
            const key = JSON.stringify([file, s.query, s.params ?? null]);
            const have = samples.get(key);
            if (have) have.count++;
            else samples.set(key, { query: s.query, ...(s.params ? { params: s.params } : {}), count: 1, source: `log ${file}` });
          }
        } catch (err) {
          warnings.push(`cannot read log file ${file}: ${(err as Error).message}`);
        }
      }
      return { samples: [...samples.values()], warnings, summary: `log (${files.length} file(s), ${read} statements)` };
    },
  };
}

/** The statements of one log file (`.gz` is gunzipped; the format comes from the name or the first line). */
export async function* readLogFile(file: string): AsyncGenerator<LoggedStatement> {
  const raw = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    raw.once('open', () => resolve());
    raw.once('error', reject);
  });
  await opened;
  const stream: Readable = /\.gz$/i.test(file) ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => stream.destroy(err));
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  const head: string[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) {
    head.push(r.value);
    if (r.value.trim() !== '') break;
  }
  const base = file.replace(/\.gz$/i, '');
  const format: LogFormat = /\.csv$/i.test(base) ? 'csvlog' : /\.json$/i.test(base) ? 'jsonlog' : detectFormat(head);
  async function* lines() {
    yield* head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  yield* parseLog(lines(), format);
}

const currentDatabase = async (client: pg.Client) =>
  (await client.query<{ db: string }>(`${ADVISOR_MARKER} SELECT current_database() AS db`)).rows[0]!.db;

/**
 * The workload from the logs alone, for a target without pg_stat_statements (Dexter's way): the
 * logged statements grouped by fingerprint, each normalized (`$n` for its constants, which the log
 * source then recovers), with the executions and the time logged. Unreadable files are errors.
 */
export async function harvestLogs(client: pg.Client, files: string[], opts: HarvestOptions = {}): Promise<Workload> {
  const db = await currentDatabase(client);
  const byFingerprint = new Map<string, WorkloadStatement>();
  for (const file of files) {
    for await (const s of readLogFile(file)) {
      if (s.database !== undefined && s.database !== db) continue;
      const fp = fingerprintOf(s.query);
      if (!fp) continue;
      let w = byFingerprint.get(fp);
      if (!w) {
        let query: string;
        try {
          query = normalizeSync(s.query);
        } catch {
          continue;
        }
        w = { id: fp, query, calls: 0, totalExecMs: 0, meanExecMs: 0, rows: 0, sharedBlksHit: 0, sharedBlksRead: 0, source: 'log' };
        byFingerprint.set(fp, w);
      }
      w.calls++;
      w.totalExecMs += s.durationMs ?? 0;
      w.meanExecMs = w.totalExecMs / w.calls;
    }
  }
  return selectStatements([...byFingerprint.values()], `server logs ${files.join(', ')}`, opts);
}
