import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWorkloadFile } from '../../src/harvest/workloadFile.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgia-wl-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('workload files', () => {
  it('reads .sql with per-statement calls and names, keeping ; inside strings', async () => {
    const w = await readWorkloadFile(
      file(
        'w.sql',
        `-- name: by_email calls: 300\nSELECT * FROM customers WHERE email = 'a;b@example.com';\n\n-- calls: 7\nSELECT 1 FROM orders WHERE id = 5;\nSELECT 2 FROM orders;\n`,
      ),
    );
    expect(w.statements.map((s) => [s.id.length > 0, s.calls])).toEqual([
      [true, 300],
      [true, 7],
      [true, 1],
    ]);
    expect(w.statements.find((s) => s.calls === 300)!.id).toBe('by_email');
    expect(w.statements.find((s) => s.calls === 300)!.query).toBe(`SELECT * FROM customers WHERE email = 'a;b@example.com'`);
  });

  it('keeps going past a statement that does not parse', async () => {
    const w = await readWorkloadFile(
      file('w.sql', `SELECT * FROM orders WHERE id = 1;\nSELEC oops;\nSELECT * FROM customers WHERE id = 2;\n`),
    );
    expect(w.statements).toHaveLength(3);
    expect(w.statements[1]!.query).toMatch(/SELEC oops/);
  });

  it('reads JSON: a list or { statements }, with pg_stat_statements column names', async () => {
    const w = await readWorkloadFile(
      file('w.json', JSON.stringify([{ queryid: '42', query: 'SELECT * FROM t WHERE a = $1', calls: 10, total_exec_time: 50 }])),
    );
    expect(w.statements[0]).toMatchObject({ id: '42', calls: 10, totalExecMs: 50, meanExecMs: 5 });
    await expect(readWorkloadFile(file('w.json', '{"nope": 1}'))).rejects.toThrow(/expected an array of statements/);
    await expect(readWorkloadFile('/nonexistent/w.sql')).rejects.toThrow(/cannot read workload file/);
  });
});
