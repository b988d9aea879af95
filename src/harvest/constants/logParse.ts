// Parsers for the statements PostgreSQL writes to its log: `log_min_duration_statement` (and
// `log_statement`) lines and `auto_explain` plans, in the three log_destination formats: stderr
// (any log_line_prefix), csvlog and jsonlog. They take lines and return the statements with their
// constants; reading files (rotated, gzipped) is ./logSource.ts.
//
//   LOG:  duration: 0.120 ms  statement: SELECT … WHERE status = 'pending'
//   LOG:  duration: 0.050 ms  execute <unnamed>: SELECT … WHERE status = $1
//   DETAIL:  parameters: $1 = 'pending'        (PostgreSQL 16+: `Parameters:`)
//   LOG:  duration: 12.3 ms  plan:
//           Query Text: SELECT …          (auto_explain, text format; JSON format: "Query Text": "…")

export type LogFormat = 'stderr' | 'csvlog' | 'jsonlog';
type Lines = Iterable<string> | AsyncIterable<string>;

export interface LoggedStatement {
  query: string;
  /** Bind parameters of an `execute` (extended protocol), as SQL literals, by `$n`. */
  params?: Array<string | undefined>;
  durationMs?: number;
  /** The database, where the format says (csvlog, jsonlog, or a stderr prefix with `%d`... not parsed). */
  database?: string;
}

/** A message of the log with its detail, whatever the format. */
interface LogMessage {
  severity: string;
  message: string;
  detail?: string;
  database?: string;
}

/** The format of a log, from its first non-empty lines. */
export function detectFormat(firstLines: string[]): LogFormat {
  const line = firstLines.find((l) => l.trim() !== '') ?? '';
  if (/^\s*\{/.test(line)) return 'jsonlog';
  // csvlog: log_time first, then user, database, pid... in CSV.
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [^,]*,("[^"]*"|[^,]*),("[^"]*"|[^,]*),\d+,/.test(line)) return 'csvlog';
  return 'stderr';
}

/** Parses a whole log, line by line (a generator over lines keeps memory flat for big files). */
export async function* parseLog(lines: Lines, format: LogFormat): AsyncGenerator<LoggedStatement> {
  const messages = format === 'jsonlog' ? jsonMessages(lines) : format === 'csvlog' ? csvMessages(lines) : stderrMessages(lines);
  for await (const m of messages) {
    const s = statementOf(m);
    if (s) yield s;
  }
}

const STATEMENT = /^(?:duration: ([\d.]+) ms\s+)?(statement|execute [^:]*|plan):\s?([\s\S]*)$/;

function statementOf(m: LogMessage): LoggedStatement | undefined {
  if (m.severity !== 'LOG') return undefined;
  const x = STATEMENT.exec(m.message);
  if (!x) return undefined;
  const [, duration, kind, rest] = x;
  const out: LoggedStatement = { query: '' };
  if (duration) out.durationMs = Number(duration);
  if (m.database) out.database = m.database;
  if (kind === 'plan') {
    const plan = planQuery(rest!);
    if (!plan) return undefined;
    out.query = plan.query;
    if (plan.params) out.params = plan.params;
  } else {
    out.query = rest!.trim();
    if (kind!.startsWith('execute') && m.detail) {
      const params = parseParameters(m.detail);
      if (params) out.params = params;
    }
  }
  return out.query ? out : undefined;
}

/** auto_explain's `Query Text` (text or JSON format) and, PostgreSQL 16+, its `Query Parameters`. */
function planQuery(plan: string): { query: string; params?: Array<string | undefined> } | undefined {
  const trimmed = plan.trim();
  if (trimmed.startsWith('{')) {
    try {
      const o = JSON.parse(trimmed) as Record<string, unknown>;
      const query = o['Query Text'];
      if (typeof query !== 'string') return undefined;
      const p = typeof o['Query Parameters'] === 'string' ? parseParameters(`parameters: ${o['Query Parameters']}`) : undefined;
      return p ? { query, params: p } : { query };
    } catch {
      return undefined;
    }
  }
  const lines = plan.split('\n');
  const start = lines.findIndex((l) => /^\s*Query Text: /.test(l));
  if (start < 0) return undefined;
  const query = [lines[start]!.replace(/^\s*Query Text: /, '')];
  let params: Array<string | undefined> | undefined;
  for (const l of lines.slice(start + 1)) {
    if (/^\s*Query Parameters: /.test(l)) {
      params = parseParameters(`parameters: ${l.replace(/^\s*Query Parameters: /, '')}`);
      continue;
    }
    // The plan starts at the first node: `Seq Scan on t  (cost=…)` or `->`.
    if (/\((cost|actual (time|rows))=|^\s*->|^\s*(Planning|Execution) Time:/.test(l)) break;
    query.push(l);
  }
  return params ? { query: query.join('\n').trim(), params } : { query: query.join('\n').trim() };
}

/** `parameters: $1 = 'pending', $2 = '42', $3 = NULL` → SQL literals by `$n` (16+ writes `Parameters:`). */
export function parseParameters(detail: string): Array<string | undefined> | undefined {
  const at = /parameters: /i.exec(detail);
  if (!at) return undefined;
  const text = detail.slice(at.index + at[0].length);
  const out: Array<string | undefined> = [];
  const re = /\$(\d+) = (NULL|'(?:[^']|'')*'(?:\.\.\.)?)(?:, |\s*$)/gy;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m[2]!;
    // log_parameter_max_length cuts long values (`'abc…'...`): such a value is not the constant.
    out[Number(m[1]) - 1] = value === 'NULL' || value.endsWith("'...") ? undefined : value;
    if (re.lastIndex >= text.length) break;
  }
  return out.length ? out : undefined;
}

/** stderr: a message is a line with `SEVERITY:  ` after the prefix, and the tab-indented lines after it. */
async function* stderrMessages(lines: Lines): AsyncGenerator<LogMessage> {
  let current: LogMessage | undefined;
  let field: 'message' | 'detail' | undefined;
  for await (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('\t') && current && field) {
      current[field] = `${current[field] ?? ''}\n${line.slice(1)}`;
      continue;
    }
    const m = /(?:^|\s)(DEBUG\d?|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):\s{2}(.*)$/.exec(
      line,
    );
    if (!m) {
      field = undefined;
      continue;
    }
    const [, label, text] = m;
    if (label === 'DETAIL' && current) {
      current.detail = text!;
      field = 'detail';
      continue;
    }
    if (['HINT', 'CONTEXT', 'STATEMENT', 'QUERY', 'LOCATION'].includes(label!)) {
      field = undefined;
      continue;
    }
    if (current) yield current;
    current = { severity: label!, message: text! };
    field = 'message';
  }
  if (current) yield current;
}

/** csvlog: error_severity is field 12, message 14, detail 15, database_name 3 (1-based). */
async function* csvMessages(lines: Lines): AsyncGenerator<LogMessage> {
  let pending = '';
  for await (const line of lines) {
    pending = pending ? `${pending}\n${line}` : line;
    // A record is complete when its quotes are balanced (fields may hold newlines).
    if ((pending.match(/"/g)?.length ?? 0) % 2 !== 0) continue;
    const record = pending;
    pending = '';
    if (!record.trim()) continue;
    const f = parseCsvRecord(record);
    if (f.length < 15) continue;
    const m: LogMessage = { severity: f[11]!, message: f[13]! };
    if (f[14]) m.detail = f[14];
    if (f[2]) m.database = f[2];
    yield m;
  }
}

export function parseCsvRecord(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= record.length) {
    if (record[i] === '"') {
      let value = '';
      i++;
      while (i < record.length) {
        if (record[i] === '"') {
          if (record[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += record[i++];
      }
      fields.push(value);
      i++; // the comma
    } else {
      const end = record.indexOf(',', i);
      const stop = end < 0 ? record.length : end;
      fields.push(record.slice(i, stop));
      i = stop + 1;
    }
  }
  return fields;
}

/** jsonlog (PostgreSQL 15+): one object per line. */
async function* jsonMessages(lines: Lines): AsyncGenerator<LogMessage> {
  for await (const line of lines) {
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof o.error_severity !== 'string' || typeof o.message !== 'string') continue;
    const m: LogMessage = { severity: o.error_severity, message: o.message };
    if (typeof o.detail === 'string') m.detail = o.detail;
    if (typeof o.dbname === 'string') m.database = o.dbname;
    yield m;
  }
}
