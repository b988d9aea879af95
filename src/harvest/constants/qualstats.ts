// pg_qualstats, when the target has it: the constants of each predicate of each statement (by
// queryid, the same as pg_stat_statements'), with how many executions used each. It names the
// column and operator, not the `$n`: the parse stage maps them to the statement's parameter.
import { ADVISOR_MARKER } from '../../db/connect.js';
import { describeDbError, errorScope } from '../../db/errors.js';
import { quoteIdent } from '../../db/quote.js';
import type { ConstantSource, SourceOutput } from './source.js';

export function qualstatsSource(): ConstantSource {
  return {
    name: 'pg_qualstats',
    async collect(ctx): Promise<SourceOutput> {
      const ext = await ctx.client.query<{ schema: string }>(
        `${ADVISOR_MARKER} SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_qualstats'`,
      );
      if (ext.rows.length === 0) return {};
      const ids = new Set(ctx.statements.map((s) => s.id));
      let rows: Array<{ id: string; schema: string; table: string; column: string; operator: string; value: string; count: number }>;
      try {
        rows = (
          await ctx.client.query(`${ADVISOR_MARKER}
          SELECT qs.queryid::text AS id, n.nspname AS schema, c.relname AS table, a.attname AS column,
                 o.oprname AS operator, qs.constvalue AS value, sum(qs.occurences)::float8 AS count
            FROM ${quoteIdent(ext.rows[0]!.schema)}.pg_qualstats() qs
            JOIN pg_class c ON c.oid = qs.lrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = qs.lrelid AND a.attnum = qs.lattnum
            JOIN pg_operator o ON o.oid = qs.opno
           WHERE qs.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND qs.constvalue IS NOT NULL AND qs.queryid IS NOT NULL AND qs.rrelid IS NULL
           GROUP BY 1, 2, 3, 4, 5, 6`)
        ).rows;
      } catch (err) {
        // Its own failure (a permission) costs a warning; a lost connection is the run's (db/errors.ts).
        if (errorScope(err, ctx.client) === 'connection') throw err;
        return { warnings: [`pg_qualstats is installed but cannot be read (${describeDbError(err)}): its constants were not used`] };
      }
      const constants = rows
        .filter((r) => ids.has(r.id))
        .map((r) => ({
          statementId: r.id,
          constant: {
            column: { schema: r.schema, table: r.table, column: r.column, operator: r.operator },
            value: stripCast(r.value),
            count: r.count,
            source: 'pg_qualstats',
          },
        }));
      return { constants, summary: `pg_qualstats (${rows.length} constants)` };
    },
  };
}

/** pg_qualstats prints constants with their type (`'pending'::text`); the literal alone compares the same. */
export function stripCast(value: string): string {
  const m = /^('(?:[^']|'')*'|-?[\d.]+(?:e[+-]?\d+)?)::[\w ."[\]]+$/i.exec(value);
  return m ? m[1]! : value;
}
