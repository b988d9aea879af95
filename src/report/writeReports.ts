import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AdviceResult, AuditResult } from '../types.js';
import { auditMarkdown } from './auditMarkdown.js';
import { auditMigrationDown, auditMigrationUp } from './auditMigration.js';
import { adviceHtml, type HtmlOptions } from './html.js';
import { adviceMarkdown } from './markdown.js';
import { indexMigrations, migrationDown, migrationUp } from './migration.js';
import { type MigrationFile, type MigrationFormat, migrationFiles, migrationFolders } from './migrationFormats.js';

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

export interface AdviceReportOptions extends HtmlOptions {
  /** Also write the migration for this tool, in a folder named after it (`plain`: only migration.up/down.sql). */
  migrationFormat?: MigrationFormat;
}

export async function writeAdviceReports(
  result: AdviceResult,
  dir: string,
  opts: AdviceReportOptions = {},
): Promise<WrittenReports & { migrationFolders: string[] }> {
  const advice = {
    markdown: ['advice.md', adviceMarkdown(result)],
    json: ['advice.json', adviceJson(result)],
    up: ['migration.up.sql', migrationUp(result)],
    down: ['migration.down.sql', migrationDown(result)],
    html: ['advice.html', adviceHtml(result, opts)],
  } satisfies Contents;
  const format = opts.migrationFormat ?? 'plain';
  const tool = { folders: migrationFolders(format), files: migrationFiles(format, indexMigrations(result), result.generatedAt) };
  // Everything is rendered before anything is written, and written together.
  const [files] = await writeReportFiles(dir, result.audit ? [advice, auditContents(result.audit)] : [advice], tool);
  return { ...files!, migrationFolders: tool.folders.map((f) => join(dir, f)) };
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
async function writeReportFiles(
  dir: string,
  sets: Contents[],
  tool: { folders: string[]; files: MigrationFile[] } = { folders: [], files: [] },
): Promise<WrittenReports[]> {
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.pgia-tmp-'));
  try {
    for (const folder of tool.folders) await mkdir(join(tmp, folder), { recursive: true });
    for (const f of tool.files) {
      await mkdir(dirname(join(tmp, f.path)), { recursive: true });
      await writeFile(join(tmp, f.path), f.text);
    }
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
    // A migration tool's folder is replaced whole: last night's files would sit beside tonight's (one index, two versions).
    for (const folder of tool.folders) {
      await rename(join(dir, folder), join(tmp, `.previous-${folder}`)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await rename(join(tmp, folder), join(dir, folder));
    }
    return out;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
