// The nightly report: the catalog read once and handed to the advice and the audit, and the two
// reconciled (a recommended index that also serves an unindexed foreign key is proposed once).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogAt } from '../src/catalog/readCatalog.js';
import { nightlyReport } from '../src/nightly.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let dir: string;
let workloadFile: string;

beforeAll(async () => {
  db = await createTestDatabase('nightly');
  await db.client.query(`
    CREATE TABLE parent (id int PRIMARY KEY);
    CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent, v int NOT NULL);
    CREATE TABLE idle_child (id int PRIMARY KEY, parent_id int REFERENCES parent);
    INSERT INTO parent SELECT g FROM generate_series(1, 20000) g;
    INSERT INTO child SELECT g, 1 + g % 20000, g % 97 FROM generate_series(1, 200000) g;
    ANALYZE;`);
  dir = mkdtempSync(join(tmpdir(), 'pgia-nightly-'));
  workloadFile = join(dir, 'w.sql');
  writeFileSync(workloadFile, '-- calls: 500\nSELECT v FROM child WHERE parent_id = 42;\n');
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nightlyReport', () => {
  let r: AdviceResult;
  beforeAll(async () => {
    r = await nightlyReport({ url: db.url, workloadFile, concurrency: 1 });
  }, 120_000);

  it('proposes the index once: the recommendation says it also serves the foreign key, the audit drops its CREATE', () => {
    const rec = r.recommendations.find((x) => x.candidate.table === 'child' && x.candidate.columns[0]?.column === 'parent_id');
    expect(rec?.candidate.reasons).toContain('also indexes foreign key child_parent_id_fkey (the audit found it unindexed)');
    const fkFindings = r.audit!.findings.filter((f) => f.kind === 'missing-fk-index');
    expect(fkFindings.map((f) => f.table)).toEqual(['idle_child']);
    expect(fkFindings[0]!.foreignKey).toEqual({ name: 'idle_child_parent_id_fkey', columns: ['parent_id'] });
  });

  it('gives the same advice and audit with a catalog read beforehand', async () => {
    const catalog = await readCatalogAt(db.url);
    const again = await nightlyReport({ url: db.url, workloadFile, concurrency: 1, catalog });
    expect(again.recommendations.map((x) => [x.definition, x.candidate.reasons])).toEqual(
      r.recommendations.map((x) => [x.definition, x.candidate.reasons]),
    );
    expect(again.audit!.findings.map((f) => f.summary)).toEqual(r.audit!.findings.map((f) => f.summary));
  }, 120_000);
});
