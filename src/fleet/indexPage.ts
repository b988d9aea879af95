// The fleet's index page: every database with its headline figures and a link to its report,
// failures first with their error (index.md), and the same for machines (index.json).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatPercent } from '../format.js';
import { mdCell } from '../report/format.js';
import type { FleetOutcome } from './run.js';

export interface FleetSummary {
  generatedAt: string;
  outcomes: FleetOutcome[];
  seconds: number;
}

const STATUS_WORDS: Record<FleetOutcome['status'], string> = {
  done: 'done',
  'nothing-analysed': 'nothing analysed',
  failed: '**failed**',
  locked: 'skipped: another run holds its lock',
};

export function indexMarkdown(s: FleetSummary): string {
  const failed = s.outcomes.filter((o) => o.status === 'failed' || o.status === 'locked');
  const out: string[] = ['# Index advice: the fleet', ''];
  out.push(
    `- Generated: ${s.generatedAt}, in ${s.seconds.toFixed(0)} s`,
    `- ${s.outcomes.length} databases: ${s.outcomes.length - failed.length} reported, ${failed.length} failed`,
    `- ${s.outcomes.reduce((n, o) => n + (o.figures?.recommendations ?? 0), 0)} indexes recommended, ` +
      `${s.outcomes.reduce((n, o) => n + (o.figures?.findings ?? 0), 0)} audit findings`,
    '',
  );
  if (failed.length) {
    out.push('## Failed', '', '| database | target | error |', '|---|---|---|');
    for (const o of failed) out.push(`| ${mdCell(o.name)} | \`${mdCell(o.target)}\` | ${mdCell(o.error ?? STATUS_WORDS[o.status])} |`);
    out.push('');
  }
  out.push(
    '## Databases',
    '',
    '| database | status | statements | indexes | saves | new | applied | slower | findings | report |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const o of [...s.outcomes].sort((a, b) => a.name.localeCompare(b.name))) {
    const f = o.figures;
    const status = `${STATUS_WORDS[o.status]}${o.failed?.length ? ` (fails: ${o.failed.join('; ')})` : ''}`;
    const n = (v: number | undefined) => (v === undefined ? '–' : String(v));
    out.push(
      `| ${mdCell(o.name)} | ${mdCell(status)} | ${n(f?.statementsAnalyzed)} | ${n(f?.recommendations)} | ` +
        `${f ? formatPercent(f.saves) : '–'} | ${n(f?.newAdvice)} | ${n(f?.applied)} | ${n(f?.regressions)} | ${n(f?.findings)} | ` +
        `${o.report ? `[advice.md](${o.report})` : '–'} |`,
    );
  }
  out.push('');
  return out.join('\n');
}

export function indexJson(s: FleetSummary): string {
  return `${JSON.stringify({ version: 1, ...s }, null, 2)}\n`;
}

/** Writes index.md and index.json into `dir`, each written beside and renamed into place. */
export async function writeIndexPage(dir: string, s: FleetSummary): Promise<{ markdown: string; json: string }> {
  await mkdir(dir, { recursive: true });
  const files = { markdown: join(dir, 'index.md'), json: join(dir, 'index.json') };
  for (const [file, text] of [
    [files.markdown, indexMarkdown(s)],
    [files.json, indexJson(s)],
  ] as const) {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }
  return files;
}
