// Shared helpers of the benchmarks: machine description, RESULTS.md sections, timing and memory
// sampling, a progress recorder that turns advise()'s progress callbacks into a per-stage profile.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Progress, TickInfo } from '../src/advise.js';

/** The repository root (bench/ is compiled to dist-bench/bench/, so two levels up from either). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// bench/at-commit.sh compiles the benchmarks against an exported commit in a temp dir and points these back at the checkout.
export const RESULTS_FILE = process.env.PGIA_BENCH_RESULTS ?? path.join(ROOT, 'bench', 'RESULTS.md');
export const SHARED = process.env.PGIA_SHARED_DIR ?? path.resolve(ROOT, '..', 'shared');

export const log = (m: string) => console.error(`[bench] ${m}`);

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGB: number;
  node: string;
  os: string;
  postgres?: string;
  hypopg?: string;
  commit: string;
  /** 1, 5 and 15 minute load averages. */
  loadAverage: string;
}

export function machine(extra: { postgres?: string; hypopg?: string } = {}): Machine {
  let commit = process.env.PGIA_BENCH_COMMIT ?? 'unknown';
  if (!process.env.PGIA_BENCH_COMMIT)
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
      if (dirty) commit += ' + uncommitted changes in src/';
    } catch {
      // not a git checkout
    }
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}`;
  } catch {
    // not Debian
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: osName,
    commit,
    loadAverage: os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(', '),
    ...extra,
  };
}

export function machineLine(m: Machine): string {
  return (
    `Run ${m.date} on ${m.cpus} cores (${m.cpuModel}), ${m.memoryGB} GB RAM, ${m.os}, Node ${m.node}` +
    `${m.postgres ? `, ${m.postgres}` : ''}${m.hypopg ? `, hypopg ${m.hypopg}` : ''}; advisor at ${m.commit}. ` +
    `Load average when the section was written: ${m.loadAverage} (other work on the machine slows the figures down).`
  );
}

const HEADER = `# Benchmark results

Written by \`npm run bench\` (\`bench/run.ts\`, the working tree) or \`bench/at-commit.sh [REV] [args]\` (a commit's
src/, so that someone's unfinished change is not measured); each section is replaced when its benchmark runs
(\`-- tpch\`, \`-- scale\`, \`-- scale --cpu-prof\`, \`-- gin-model\`). Sizes in MB are 10^6 bytes, as in the literature.
`;

/** Replaces (or appends) the section between `<!-- BEGIN name -->` and `<!-- END name -->`. */
export function updateResults(name: string, body: string, file = RESULTS_FILE): void {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  // Keep the sections in a stable order: tpch first, then scale.
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 600_000, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout ?? '', stderr: `${stderr ?? ''}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}` });
      },
    );
  });
}

/** Samples the RSS every `everyMs` while running; reports the peak seen and the process's maxRSS. */
export class MemorySampler {
  peakRss = process.memoryUsage().rss;
  private timer: NodeJS.Timeout;
  constructor(everyMs = 50) {
    this.timer = setInterval(() => {
      const rss = process.memoryUsage().rss;
      if (rss > this.peakRss) this.peakRss = rss;
    }, everyMs);
    this.timer.unref();
  }
  stop(): { peakRssMB: number; maxRssMB: number } {
    clearInterval(this.timer);
    const rss = process.memoryUsage().rss;
    if (rss > this.peakRss) this.peakRss = rss;
    // resourceUsage().maxRSS is in kilobytes.
    return { peakRssMB: this.peakRss / 2 ** 20, maxRssMB: process.resourceUsage().maxRSS / 1024 };
  }
}

export interface StageTiming {
  name: string;
  ms: number;
  /** What-if calls made during the stage. */
  calls: number;
}

/**
 * A Progress that turns advise()'s callbacks into a time profile. Stages (`stage(name)`) and the
 * phases inside them (the part of a `tick(detail)` before ` · `, such as `screening pass 1` or
 * `selection, round 3 (2 chosen)`) each start a new entry; the running what-if call count is read
 * from the `N what-if calls` in the ticks. Work that reports no ticks (the baseline costing before
 * the first screening tick, the redundancy pass after the last round) is counted in the entry
 * before it.
 */
export class StageRecorder implements Progress {
  private readonly t0 = performance.now();
  private marks: Array<{ name: string; at: number; calls: number }> = [];
  calls = 0;
  rounds = 0;
  private phase = '';
  private readonly onLine?: (line: string) => void;
  private lastPrint = 0;

  constructor(onLine?: (line: string) => void) {
    this.onLine = onLine;
  }

  private mark(name: string) {
    this.marks.push({ name, at: performance.now(), calls: this.calls });
  }

  stage(name: string): void {
    this.phase = '';
    // advise() generates the candidates between the parsing and verifying stage marks.
    this.mark(name.replace(/^(parsing \d+ statements)$/, '$1 and generating candidates'));
    this.onLine?.(name);
  }

  tick(detail: string, _done?: number, _total?: number, info?: TickInfo): void {
    if (!info) return;
    this.calls = info.whatIfCalls;
    const phase = info.phase;
    if (phase !== this.phase) {
      this.phase = phase;
      const round = /round (\d+)/.exec(phase);
      if (round) this.rounds = Math.max(this.rounds, Number(round[1]));
      this.mark(phase);
    }
    const now = performance.now();
    if (this.onLine && now - this.lastPrint > 5000) {
      this.lastPrint = now;
      this.onLine(`${((now - this.t0) / 1000).toFixed(1)} s: ${detail}`);
    }
  }

  done(): void {
    this.phase = '';
    this.mark('writing the result');
  }

  /** The profile so far; `endCalls` (the result's whatIfCalls) closes the last entry. */
  timings(endAt = performance.now(), endCalls = this.calls): StageTiming[] {
    const out: StageTiming[] = [];
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i]!;
      const next = this.marks[i + 1];
      out.push({ name: m.name, ms: (next?.at ?? endAt) - m.at, calls: Math.max(0, (next?.calls ?? endCalls) - m.calls) });
    }
    // Writing the result makes no planner calls: what shows up there was made without ticks before
    // it (the redundancy pass, the costing with representative values), so it goes to the entry before.
    const last = out.at(-1);
    const before = out.at(-2);
    if (last?.name === 'writing the result' && before) {
      before.calls += last.calls;
      last.calls = 0;
    }
    return out;
  }
}

/** Selection rounds are many: one entry for all of them in summaries. */
export const isRound = (name: string) => /^selection(, | by benefit[^,]*, )round \d+/.test(name);

/** `stage 0.12 s (N calls); …` with the selection rounds folded into one entry. */
export function summarizeStages(stages: StageTiming[]): string {
  const parts: string[] = [];
  let rounds = { n: 0, ms: 0, calls: 0 };
  const flush = () => {
    if (rounds.n) parts.push(`${rounds.n} selection rounds ${fmtS(rounds.ms)} (${fmtInt(rounds.calls)} calls)`);
    rounds = { n: 0, ms: 0, calls: 0 };
  };
  for (const s of stages) {
    if (isRound(s.name)) {
      rounds.n++;
      rounds.ms += s.ms;
      rounds.calls += s.calls;
      continue;
    }
    flush();
    parts.push(`${s.name} ${fmtS(s.ms)}${s.calls ? ` (${fmtInt(s.calls)} calls)` : ''}`);
  }
  flush();
  return parts.join('; ');
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtS = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
export const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
export const mdRow = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
