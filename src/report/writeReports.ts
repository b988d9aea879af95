import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdviceResult, AuditResult } from '../types.js';
import { auditMarkdown } from './auditMarkdown.js';
import { auditMigrationDown, auditMigrationUp } from './auditMigration.js';
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
}

export async function writeAdviceReports(result: AdviceResult, dir: string): Promise<WrittenReports> {
  const files = await writeReportFiles(dir, {
    markdown: ['advice.md', adviceMarkdown(result)],
    json: ['advice.json', adviceJson(result)],
    up: ['migration.up.sql', migrationUp(result)],
    down: ['migration.down.sql', migrationDown(result)],
  });
  if (result.audit) await writeAuditReports(result.audit, dir);
  return files;
}

export function writeAuditReports(result: AuditResult, dir: string): Promise<WrittenReports> {
  return writeReportFiles(dir, {
    markdown: ['audit.md', auditMarkdown(result)],
    json: ['audit.json', `${JSON.stringify(result, null, 2)}\n`],
    up: ['audit.up.sql', auditMigrationUp(result)],
    down: ['audit.down.sql', auditMigrationDown(result)],
  });
}

async function writeReportFiles(
  dir: string,
  contents: Record<keyof WrittenReports, [name: string, text: string]>,
): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const files = {} as WrittenReports;
  for (const [kind, [name, text]] of Object.entries(contents) as Array<[keyof WrittenReports, [string, string]]>) {
    files[kind] = join(dir, name);
    await writeFile(files[kind], text);
  }
  return files;
}
