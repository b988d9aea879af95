// Offline workloads: a .sql file (statements separated by `;`, an optional `-- calls: N` comment
// before each) or JSON (a list of statements, such as an export of pg_stat_statements).
import { readFile } from 'node:fs/promises';
import { fingerprintSync } from 'libpg-query';
import { ensureParser, parseSql } from '../parse/parser.js';
import type { Workload, WorkloadStatement } from '../types.js';
import { HarvestError, type HarvestOptions, selectStatements } from './pgStatStatements.js';

export async function readWorkloadFile(path: string, opts: HarvestOptions = {}): Promise<Workload> {
  await ensureParser();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new HarvestError(`cannot read workload file ${path}: ${(err as Error).message}`);
  }
  const statements = /\.json$/i.test(path) ? fromJson(text, path) : fromSql(text);
  if (statements.length === 0) throw new HarvestError(`workload file ${path} holds no statements`);
  return selectStatements(statements, `workload file ${path}`, opts);
}

export function fromSql(text: string): WorkloadStatement[] {
  return uniqueIds(
    splitStatements(text).map((piece) => {
      const calls = /--.*\bcalls:\s*(\d+(?:\.\d+)?)/i.exec(piece)?.[1];
      const name = /--.*\bname:\s*([\w.-]+)/i.exec(piece)?.[1];
      const query = piece.replace(/^\s*--.*$/gm, '').trim();
      return statement(query, Number(calls ?? 1), name);
    }),
  );
}

/**
 * Statements that differ only in their constants share a fingerprint; in a file each is costed
 * with its own constants, so each keeps an id of its own (`<fingerprint>#2`, ...).
 */
function uniqueIds(statements: WorkloadStatement[]): WorkloadStatement[] {
  const seen = new Map<string, number>();
  for (const s of statements) {
    const n = (seen.get(s.id) ?? 0) + 1;
    seen.set(s.id, n);
    if (n > 1) s.id = `${s.id}#${n}`;
  }
  return statements;
}

/**
 * Splits on the parser's own statement boundaries, so `;` inside strings and bodies is safe. When
 * the file does not parse as a whole, falls back to `;` at line ends, so that one bad statement
 * is reported on its own later instead of losing the file.
 */
function splitStatements(text: string): string[] {
  const parsed = parseSql(text);
  // A statement's span starts after its leading comments: take the text from the end of the
  // previous one, so that `-- calls: N` above a statement stays with it.
  const pieces = parsed.ok
    ? parsed.spans.map(([, end], i) => text.slice(i === 0 ? 0 : parsed.spans[i - 1]![1], end))
    : text.split(/;\s*(?:\n|$)/);
  // A span ends before its `;`, so the next piece starts with it: drop it.
  return pieces.map((s) => s.replace(/^\s*;/, '')).filter((s) => s.replace(/^\s*--.*$/gm, '').trim() !== '');
}

function fromJson(text: string, path: string): WorkloadStatement[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new HarvestError(`workload file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { statements?: unknown[] })?.statements;
  if (!Array.isArray(list)) throw new HarvestError(`workload file ${path}: expected an array of statements or { "statements": [...] }`);
  return uniqueIds(
    list.map((item, i) => {
      const o = item as Record<string, unknown>;
      const query = String(o.query ?? o.sql ?? '');
      if (!query) throw new HarvestError(`workload file ${path}: statement ${i + 1} has no "query"`);
      const calls = Number(o.calls ?? 1);
      const s = statement(query, calls, o.queryid !== undefined ? String(o.queryid) : (o.name as string | undefined));
      const total = o.total_exec_time ?? o.totalExecMs;
      if (total !== undefined) {
        s.totalExecMs = Number(total);
        s.meanExecMs = calls > 0 ? s.totalExecMs / calls : 0;
      }
      return s;
    }),
  );
}

function statement(query: string, calls: number, id?: string): WorkloadStatement {
  let fp: string;
  try {
    fp = fingerprintSync(query);
  } catch {
    fp = `unparseable-${Buffer.from(query).toString('base64url').slice(0, 12)}`;
  }
  return {
    id: id ?? fp,
    query,
    calls,
    totalExecMs: 0,
    meanExecMs: 0,
    rows: 0,
    sharedBlksHit: 0,
    sharedBlksRead: 0,
    source: 'workload-file',
  };
}
