// `npm run bench -- gin-model`: the GIN/GiST cost model (src/verify/indexCostModel.ts) against the
// real planner, on a throwaway cluster (or --url): each case of tools/ginmodel/cases.ts modelled
// from the plan without the index, then built for real and planned again. About a minute.
import pg from 'pg';
import { startThrowawayCluster, type ThrowawayCluster } from '../tools/cluster/cluster.js';
import { CASES, PARALLEL_SETTINGS, resultsTable, runModelCases, withinTolerance } from '../tools/ginmodel/cases.js';
import { machine, machineLine, updateResults } from './common.js';

export async function runGinModel(opts: { url?: string } = {}): Promise<{ lines: string[] }> {
  let cluster: ThrowawayCluster | undefined;
  const log = (m: string) => console.error(m);
  try {
    let url = opts.url;
    if (!url) {
      log('gin-model: starting a throwaway PostgreSQL…');
      cluster = await startThrowawayCluster({ database: 'ginmodel', log, settings: ['autovacuum = off'] });
      url = cluster.url;
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const version = (await client.query('SHOW server_version')).rows[0].server_version as string;
      const t = performance.now();
      const rows = [...(await runModelCases(client)), ...(await runModelCases(client, CASES, { plans: 'parallel' }))];
      const seconds = (performance.now() - t) / 1000;
      const agree = rows.filter((r) => r.modelUses === r.realUses).length;
      const wins = rows.filter((r) => r.realUses);
      const close = wins.filter((r) => withinTolerance(r.modelCost, r.realCost)).length;
      const summary = `gin-model: verdict agrees in ${agree}/${rows.length} cases; cost within ±30 % (or 50) in ${close}/${wins.length} where the index wins`;
      const about = [
        `${CASES.length} cases (tools/ginmodel/cases.ts), 100,000 rows a table, each statement at high and low selectivity,`,
        `with the default cost settings and with ${PARALLEL_SETTINGS.join(', ')} (parallel plans, as big tables get):`,
        "the model's cost of the statement with the index (from the plan without it, as the advisor computes it; the cost",
        'without it where the model says the planner would not use it), then the index built for real and the statement planned',
        `again: ${summary.replace('gin-model: ', '')}. Rows are the planner's estimate (for pg_trgm's % it does not depend`,
        `on the string). Sizes: the model's estimate from pg_stats against the built index. ${seconds.toFixed(0)} s.`,
      ];
      const body = [
        '## GIN/GiST cost model against the real planner',
        '',
        machineLine(machine({ postgres: `PostgreSQL ${version}` })),
        '',
        ...about,
        '',
        resultsTable(rows),
      ].join('\n');
      updateResults('gin-model', body);
      return { lines: [summary] };
    } finally {
      await client.end();
    }
  } finally {
    await cluster?.stop();
  }
}
