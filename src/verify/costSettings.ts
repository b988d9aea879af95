// The server's planner cost settings, read once for the index cost model (verify/indexCostModel.ts).
import type pg from 'pg';
import type { CostSettings } from './indexCostModel.js';

const NAMES = {
  randomPageCost: 'random_page_cost',
  seqPageCost: 'seq_page_cost',
  cpuTupleCost: 'cpu_tuple_cost',
  cpuIndexTupleCost: 'cpu_index_tuple_cost',
  cpuOperatorCost: 'cpu_operator_cost',
  effectiveCacheSize: 'effective_cache_size',
  blockSize: 'block_size',
  workMem: 'work_mem',
  parallelSetupCost: 'parallel_setup_cost',
  parallelTupleCost: 'parallel_tuple_cost',
  minParallelTableScanSize: 'min_parallel_table_scan_size',
  maxParallelWorkersPerGather: 'max_parallel_workers_per_gather',
} as const;

/** effective_cache_size and min_parallel_table_scan_size in pages, work_mem in kB: pg_settings' own units. */
export async function readCostSettings(client: pg.Client): Promise<CostSettings> {
  const r = await client.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [
    Object.values(NAMES),
  ]);
  const by = new Map(r.rows.map((x) => [x.name, Number(x.setting)]));
  const out = {} as Record<keyof typeof NAMES, number>;
  for (const [k, name] of Object.entries(NAMES)) out[k as keyof typeof NAMES] = by.get(name)!;
  return out;
}
