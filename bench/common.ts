// Shared helpers of the benchmarks: machine description, RESULTS.md sections, timing and memory
// sampling, a progress recorder that turns advise()'s progress callbacks into a per-stage profile.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Progress } from '../src/advise.js';

/** The repository root (bench/ is compiled to dist-bench/bench/, so two levels up from either). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_FILE = path.join(ROOT, 'bench', 'RESULTS.md');
export const SHARED = path.resolve(ROOT, '..', 'shared');

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
}

export function machine(extra: { postgres?: string; hypopg?: string } = {}): Machine {
  let commit = 'unknown';
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
    ...extra,
  };
}

export function machineLine(m: Machine): string {
  return (
    `Run ${m.date} on ${m.cpus} cores (${m.cpuModel}), ${m.memoryGB} GB RAM, ${m.os}, Node ${m.node}` +
    `${m.postgres ? `, ${m.postgres}` : ''}${m.hypopg ? `, hypopg ${m.hypopg}` : ''}; advisor at ${m.commit}.`
  );
}

const HEADER = `# Benchmark results

Written by \`npm run bench\` (\`bench/run.ts\`); each section is replaced when its benchmark runs
(\`npm run bench -- tpch\`, \`npm run bench -- scale\`). Sizes in MB are 10^6 bytes, as in the literature.
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

export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 600_000, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: stdout ?? '', stderr: `${stderr ?? ''}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}` });
    });
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
 * A Progress that records when each stage starts, the running what-if call count (from the
 * `N what-if calls` ticks) and the selection rounds (`selection round R, C chosen`), so that the
 * verification stage can be split into: baseline + screening + size estimates (before round 1),
 * each greedy round, and the final redundancy pass (after the last round tick).
 */
export class StageRecorder implements Progress {
  private readonly t0 = performance.now();
  private marks: Array<{ name: string; at: number; calls: number }> = [];
  calls = 0;
  rounds = 0;
  private inVerify = false;
  private onLine?: (line: string) => void;
  private lastPrint = 0;

  constructor(onLine?: (line: string) => void) {
    this.onLine = onLine;
  }

  private mark(name: string) {
    this.marks.push({ name, at: performance.now(), calls: this.calls });
  }

  stage(name: string): void {
    this.inVerify = /^verifying/.test(name);
    this.mark(this.inVerify ? `${name}: baseline, screening, sizes` : name);
    this.onLine?.(name);
  }

  tick(detail: string): void {
    const calls = /^(\d+) what-if calls/.exec(detail);
    if (calls) {
      this.calls = Number(calls[1]);
    } else {
      const round = /^selection round (\d+), (\d+) chosen/.exec(detail);
      if (round) {
        this.rounds = Number(round[1]);
        this.mark(`greedy round ${round[1]}`);
      }
    }
    const now = performance.now();
    if (this.onLine && now - this.lastPrint > 5000) {
      this.lastPrint = now;
      this.onLine(`${((now - this.t0) / 1000).toFixed(1)} s: ${detail}`);
    }
  }

  done(): void {
    this.mark('final redundancy pass and result');
  }

  /** Stage timings; consecutive greedy rounds are kept apart (callers may summarise them). */
  timings(endAt = performance.now(), endCalls = this.calls): StageTiming[] {
    const out: StageTiming[] = [];
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i]!;
      const next = this.marks[i + 1];
      out.push({ name: m.name, ms: (next?.at ?? endAt) - m.at, calls: (next?.calls ?? endCalls) - m.calls });
    }
    return out;
  }
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtS = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
export const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
export const mdRow = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
