// The fleet file: URLs from the environment, never a password in the file, per-database options
// over the defaults, paths relative to the file; the index page names the failures.
import { describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../../src/cli/fleetConfig.js';
import { indexMarkdown } from '../../src/fleet/indexPage.js';

const file = '/etc/pgia/fleet.json';
const parse = (o: unknown, env: NodeJS.ProcessEnv = {}) => parseFleetConfig(JSON.stringify(o), file, env);

describe('parseFleetConfig', () => {
  it("URLs from the environment or without a password; defaults under each database's own options", () => {
    const plan = parse(
      {
        history: 'history',
        defaults: { window: '7d', budget: '500MB', minImprovement: '20%' },
        databases: [
          { name: 'app', url: { env: 'PG_URL_APP' }, options: { budget: '1GB', audit: false } },
          { name: 'billing', url: 'postgresql://advisor@billing-db/billing' },
        ],
        failOn: 'new-advice,audit',
      },
      { PG_URL_APP: 'postgresql://advisor:s3cret@app-db/app' },
    );
    expect(plan.history).toBe('/etc/pgia/history');
    expect(plan.out).toBe('/etc/pgia/reports');
    expect([plan.concurrency, plan.perHost]).toEqual([4, 2]);
    expect(plan.failOn).toEqual(['new-advice', 'audit']);
    expect(plan.databases.map((d) => [d.name, d.url])).toEqual([
      ['app', 'postgresql://advisor:s3cret@app-db/app'],
      ['billing', 'postgresql://advisor@billing-db/billing'],
    ]);
    expect(plan.databases[0]!.options).toEqual({ concurrency: 1, window: '7d', budgetBytes: 1e9, minImprovement: 0.2, audit: false });
    expect(plan.databases[1]!.options).toMatchObject({ budgetBytes: 5e8 });
  });

  it('refuses a password in the file, an unset variable, an unknown option, a name used twice', () => {
    expect(() => parse({ databases: [{ name: 'a', url: 'postgresql://u:pw@h/a' }] })).toThrow(
      /holds a password; put the URL in an environment variable/,
    );
    expect(() => parse({ databases: [{ name: 'a', url: { env: 'NOPE' } }] })).toThrow(/NOPE is not set/);
    expect(() => parse({ databases: [{ name: 'a', url: 'postgresql://h/a', options: { budjet: '1GB' } }] })).toThrow(
      /unknown option "budjet"/,
    );
    expect(() =>
      parse({
        databases: [
          { name: 'a', url: 'postgresql://h/a' },
          { name: 'a', url: 'postgresql://h/b' },
        ],
      }),
    ).toThrow(/used twice/);
    expect(() => parse({ databases: [{ name: '../x', url: 'postgresql://h/a' }] })).toThrow(/"name" must be/);
    expect(() => parse({ databases: [] })).toThrow(/lists no database/);
  });
});

describe('indexMarkdown', () => {
  it('failures first, with their error; every database linked with its figures', () => {
    const md = indexMarkdown({
      generatedAt: '2026-11-21T02:00:00.000Z',
      seconds: 42,
      outcomes: [
        {
          name: 'app',
          target: 'postgresql://advisor@app-db/app',
          server: 'app-db:5432',
          status: 'done',
          report: 'app/advice.md',
          figures: { statementsAnalyzed: 25, recommendations: 3, findings: 1, saves: 0.5, newAdvice: 1, applied: 1, regressions: 0 },
          seconds: 10,
        },
        {
          name: 'gone',
          target: 'postgresql://advisor@old-db/gone',
          server: 'old-db:5432',
          status: 'failed',
          error: 'cannot connect',
          seconds: 1,
        },
      ],
    });
    expect(md).toMatch(/2 databases: 1 reported, 1 failed/);
    expect(md.indexOf('## Failed')).toBeLessThan(md.indexOf('## Databases'));
    expect(md).toMatch(/\| gone \| `postgresql:\/\/advisor@old-db\/gone` \| cannot connect \|/);
    expect(md).toMatch(/\| app \| done \| 25 \| 3 \| 50\.0 % \| 1 \| 1 \| 0 \| 1 \| \[advice\.md\]\(app\/advice\.md\) \|/);
  });
});
