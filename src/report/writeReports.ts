import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdviceResult, AuditResult } from '../types.js';
import { auditMarkdown } from './auditMarkdown.js';
import { auditMigrationDown, auditMigrationUp } from './auditMigration.js';
import { adviceHtml, type HtmlOptions } from './html.js';
import { adviceMarkdown } from './markdown.js';
import { migrationDown, migrationUp } from './migration.js';

/** Version of the advice.json shape; bump on incompatible changes. */
export const ADVICE_JSON_VERSION = 1;

/** advice.json's text (also what `advise --json` prints). */
export function adviceJson(result: AdviceResult): string {
  return `${JSON.stringify({ version: ADVICE_JSON_VERSION, ...result }, null, 2)}\n`;
}

export interface WrittenReports {
  markdown: string;
  json: string;
  up: string;
  down: string;
  /** advice.html (the advice's reports only). */
  html?: string;
}

export async function writeAdviceReports(result: AdviceResult, dir: string, opts: HtmlOptions = {}): Promise<WrittenReports> {
  const advice = {
    markdown: ['advice.md', adviceMarkdown(result)],
    json: ['advice.json', adviceJson(result)],
    up: ['migration.up.sql', migrationUp(result)],
    down: ['migration.down.sql', migrationDown(result)],
    html: ['advice.html', adviceHtml(result, opts)],
  } satisfies Contents;
  // Everything is rendered before anything is written, and written together.
  const [files] = await writeReportFiles(dir, result.audit ? [advice, auditContents(result.audit)] : [advice]);
  return files!;
}

export async function writeAuditReports(result: AuditResult, dir: string): Promise<WrittenReports> {
  const [files] = await writeReportFiles(dir, [auditContents(result)]);
  return files!;
}

/** Fails early, before any analysis, when the reports could not be written into `dir`. */
export async function ensureWritable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const probe = join(dir, `.pgia-write-test-${process.pid}`);
  await writeFile(probe, '');
  await unlink(probe);
}

type Contents = { [K in keyof WrittenReports]: [name: string, text: string] };

function auditContents(result: AuditResult): Contents {
  return {
    markdown: ['audit.md', auditMarkdown(result)],
    json: ['audit.json', `${JSON.stringify(result, null, 2)}\n`],
    up: ['audit.up.sql', auditMigrationUp(result)],
    down: ['audit.down.sql', auditMigrationDown(result)],
  };
}

/**
 * Writes every file into a temporary folder beside them, then moves them into place: a failure
 * half-way leaves the previous night's files as they were, never a report without its migration.
 */
async function writeReportFiles(dir: string, sets: Contents[]): Promise<WrittenReports[]> {
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.pgia-tmp-'));
  try {
    for (const contents of sets)
      for (const [name, text] of Object.values(contents) as Array<[string, string]>) await writeFile(join(tmp, name), text);
    const out: WrittenReports[] = [];
    for (const contents of sets) {
      const files = {} as WrittenReports;
      for (const [kind, [name]] of Object.entries(contents) as Array<[keyof WrittenReports, [string, string]]>) {
        files[kind] = join(dir, name);
        await rename(join(tmp, name), files[kind]);
      }
      out.push(files);
    }
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
