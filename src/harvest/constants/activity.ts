// Live samples: pg_stat_activity shows each session's current (or, when idle, last) statement with
// its constants, within track_activity_query_size. Sampled a few times while the advisor harvests,
// read-only and cheap; one execution counts once however often it is seen (pid, query_start), and
// truncated texts (at the size limit) are left out.
import { ADVISOR_MARKER } from '../../db/connect.js';
import type { ConstantSource, TextSample } from './source.js';

export interface ActivityOptions {
  /** How many times pg_stat_activity is read (0: not at all). */
  samples: number;
  /** Time between two reads. */
  intervalMs: number;
}

export const ACTIVITY_DEFAULTS: ActivityOptions = { samples: 10, intervalMs: 100 };

export function activitySource(opts: ActivityOptions = ACTIVITY_DEFAULTS): ConstantSource {
  return {
    name: 'pg_stat_activity',
    async collect(ctx) {
      const seen = new Map<string, string>();
      let truncated = 0;
      for (let i = 0; i < opts.samples; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, opts.intervalMs));
        const r = await ctx.client.query<{ pid: number; started: string | null; query: string; truncated: boolean }>(`${ADVISOR_MARKER}
          SELECT pid, query_start::text AS started, query,
                 octet_length(query) >= (SELECT setting::int - 1 FROM pg_settings WHERE name = 'track_activity_query_size') AS truncated
            FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
             AND query <> '' AND query NOT LIKE '%pg-index-advisor%'`);
        for (const row of r.rows) {
          const key = `${row.pid} ${row.started ?? ''}`;
          if (seen.has(key)) continue;
          if (row.truncated) {
            truncated++;
            seen.set(key, '');
            continue;
          }
          seen.set(key, row.query);
        }
      }
      const samples: TextSample[] = [...seen.values()].filter((q) => q).map((query) => ({ query, count: 1, source: 'pg_stat_activity' }));
      const warnings =
        truncated > 0
          ? [`${truncated} statement(s) in pg_stat_activity were cut at track_activity_query_size: their constants were not used`]
          : [];
      return { samples, warnings, summary: `pg_stat_activity (${opts.samples} samples, ${seen.size} executions)` };
    },
  };
}
