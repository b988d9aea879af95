import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdviceResult } from '../types.js';
import type { AuditResult } from '../audit/types.js';
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
  await mkdir(dir, { recursive: true });
  const files: WrittenReports = {
    markdown: join(dir, 'advice.md'),
    json: join(dir, 'advice.json'),
    up: join(dir, 'migration.up.sql'),
    down: join(dir, 'migration.down.sql'),
  };
  await writeFile(files.markdown, adviceMarkdown(result));
  await writeFile(files.json, adviceJson(result));
  await writeFile(files.up, migrationUp(result));
  await writeFile(files.down, migrationDown(result));
  if (result.audit) await writeAuditReports(result.audit, dir);
  return files;
}

export async function writeAuditReports(result: AuditResult, dir: string): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const files: WrittenReports = {
    markdown: join(dir, 'audit.md'),
    json: join(dir, 'audit.json'),
    up: join(dir, 'audit.up.sql'),
    down: join(dir, 'audit.down.sql'),
  };
  await writeFile(files.markdown, auditMarkdown(result));
  await writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(files.up, auditMigrationUp(result));
  await writeFile(files.down, auditMigrationDown(result));
  return files;
}
