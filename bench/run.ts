// `npm run bench [-- tpch|scale] [options]`: runs the benchmarks, prints a summary and updates
// bench/RESULTS.md (each benchmark replaces its own section).
//
//   npm run bench                      all three
//   npm run bench -- tpch              TPC-H quality only   (--budgets 50,150 --repeats 3 --max-columns N
//                                      --no-unbounded --no-real (skip building the sets for real and timing
//                                      the queries) --main-only (only the workload file on the loaded tables,
//                                      not the pg_stat_statements, work_mem and VACUUM variants)
//                                      --url URL-of-a-loaded-TPC-H; --min-improvement F explores, the
//                                      figures are the CLI's defaults)
//   npm run bench -- planned           share of pg_stat_statements entries the advisor can plan (shop replayed,
//                                      TPC-H's 22 queries; as superuser and as a read-only role)
//   npm run bench -- footprint         entries one advise() run adds to pg_stat_statements, as a monitoring role with and
//                                      without USAGE on PL/pgSQL (--sizes 1000 --tables 50 --seed 42 --repeats 1)
//   npm run bench -- gin-model         the GIN/GiST cost model against the real planner (--url URL: an existing server)
//   npm run bench -- fleet             nightly --config over many databases on one server (--databases 40 --url URL)
//   npm run bench -- scale             scaling only         (--sizes 100,1000,5000 --tables 50 --seed 42
//                                      --timeout MINUTES per advise() run; --cpu-prof: V8 profile of each
//                                      advise() into the scale-profile section instead of the timings)

import path from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_FILE } from './common.js';
import { runTpch } from './tpch.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      budgets: { type: 'string' },
      'max-columns': { type: 'string' },
      'min-improvement': { type: 'string' },
      'no-unbounded': { type: 'boolean' },
      'no-real': { type: 'boolean' },
      'main-only': { type: 'boolean' },
      repeats: { type: 'string' },
      url: { type: 'string' },
      timeout: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      sizes: { type: 'string' },
      tables: { type: 'string' },
      seed: { type: 'string' },
      databases: { type: 'string' },
    },
  });
  const all = ['tpch', 'scale', 'planned', 'gin-model', 'footprint', 'fleet'];
  const which = positionals.length ? positionals : all;
  for (const w of which) if (!all.includes(w)) throw new Error(`unknown benchmark "${w}" (${all.join(', ')})`);
  const summary: string[] = [];
  if (which.includes('tpch')) {
    const r = await runTpch({
      ...(values.budgets ? { budgetsMB: values.budgets.split(',').map(Number) } : {}),
      ...(values['max-columns'] ? { maxColumns: Number(values['max-columns']) } : {}),
      ...(values['min-improvement'] ? { minImprovement: Number(values['min-improvement']) } : {}),
      unbounded: !values['no-unbounded'],
      real: !values['no-real'],
      mainOnly: Boolean(values['main-only']),
      ...(values.repeats ? { repeats: Number(values.repeats) } : {}),
      ...(values.url ? { url: values.url } : {}),
    });
    summary.push(...r.lines);
  }
  if (which.includes('scale')) {
    const { runScale } = await import('./scale.js');
    const r = await runScale({
      ...(values.sizes ? { sizes: values.sizes.split(',').map(Number) } : {}),
      ...(values.tables ? { tables: Number(values.tables) } : {}),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...(values.timeout ? { timeoutMs: Number(values.timeout) * 60_000 } : {}),
      cpuProf: Boolean(values['cpu-prof']),
    });
    summary.push(...r.lines);
  }
  if (which.includes('planned')) {
    const { runPlanned } = await import('./planned.js');
    summary.push(...(await runPlanned()).lines);
  }
  if (which.includes('gin-model')) {
    const { runGinModel } = await import('./ginModel.js');
    const r = await runGinModel(values.url ? { url: values.url } : {});
    summary.push(...r.lines);
  }
  if (which.includes('footprint')) {
    const { runFootprint } = await import('./footprint.js');
    const r = await runFootprint({
      ...(values.sizes ? { sizes: values.sizes.split(',').map(Number) } : {}),
      ...(values.tables ? { tables: Number(values.tables) } : {}),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...(values.repeats ? { repeats: Number(values.repeats) } : {}),
    });
    summary.push(...r.lines);
  }
  if (which.includes('fleet')) {
    const { runFleetBench } = await import('./fleet.js');
    const r = await runFleetBench({
      ...(values.databases ? { databases: Number(values.databases) } : {}),
      ...(values.url ? { url: values.url } : {}),
    });
    summary.push(...r.lines);
  }
  console.log(summary.join('\n'));
  console.log(`${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE} updated.`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  },
);
