// Which harvested statements are worth advising: real queries on user tables. Utility statements,
// catalog-only queries and the advisor's own SQL are set aside with the reason.
import { ADVISOR_MARKER } from '../db/connect.js';
import { nodeKind, type RangeVar, walk } from '../parse/ast.js';
import { parseSql } from '../parse/parser.js';

const QUERY_TYPES = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
/** First words of statements that are never queries. */
const UTILITY_KEYWORDS = new Set(
  (
    'DEALLOCATE SAVEPOINT RELEASE ROLLBACK COMMIT BEGIN START END PREPARE SET RESET SHOW DECLARE FETCH MOVE CLOSE LISTEN ' +
    'UNLISTEN NOTIFY DISCARD LOCK COPY VACUUM ANALYZE CREATE ALTER DROP GRANT REVOKE TRUNCATE COMMENT REINDEX CLUSTER REFRESH'
  ).split(' '),
);
const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema']);
/**
 * The statistics views of the extensions the advisor reads, in whatever schema they were created:
 * nothing to index there. (PostgreSQL 18 stores statement texts without their leading comment, so
 * the advisor's own reads of them no longer carry ADVISOR_MARKER.)
 */
const EXTENSION_VIEWS = /^(pg_stat_statements(_info)?|pg_qualstats\w*|hypopg\w*)$/;
const OWN_FUNCTIONS = /\bhypopg_\w+\s*\(/i;

/** Returns why the statement should be skipped, or undefined to keep it. Parse errors are kept: the parse stage reports them. */
export function skipReason(query: string): string | undefined {
  if (query.includes(ADVISOR_MARKER) || OWN_FUNCTIONS.test(query)) return "the advisor's own statement";
  if (query.trim() === '<insufficient privilege>') return 'text hidden: the role lacks pg_read_all_stats';
  const parsed = parseSql(query);
  if (!parsed.ok) {
    // PostgreSQL 17+ shows the names of some utility statements as constants (`DEALLOCATE $1`,
    // `SAVEPOINT $1`), which the grammar refuses: what cannot be a query is a utility statement.
    const keyword = /^\s*([a-z]+)/i.exec(query)?.[1]?.toUpperCase();
    return keyword && UTILITY_KEYWORDS.has(keyword) ? `utility statement (${keyword})` : undefined;
  }
  const stmt = parsed.stmts[0];
  const type = nodeKind(stmt);
  if (!type || !QUERY_TYPES.has(type)) return `utility statement (${type ?? 'empty'})`;
  let userTables = 0;
  let catalogTables = 0;
  // A WITH query's name is no table (PostgreSQL 18 drops the marker of the advisor's recursive catalog reads).
  const cteNames = new Set<string>();
  walk(stmt, (t, body) => {
    if (t === 'CommonTableExpr' && 'ctename' in body && typeof body.ctename === 'string') cteNames.add(body.ctename);
  });
  walk(stmt, (t, body) => {
    // INSERT/UPDATE/DELETE/MERGE hold their target as a bare RangeVar body in `relation`.
    const target = 'relation' in body ? body.relation : undefined;
    const rv: RangeVar | undefined = t === 'RangeVar' ? body : target && 'relname' in target && target.relname ? target : undefined;
    if (!rv || (!rv.schemaname && cteNames.has(rv.relname ?? ''))) return;
    if (
      CATALOG_SCHEMAS.has(rv.schemaname ?? '') ||
      (!rv.schemaname && /^pg_/.test(rv.relname ?? '')) ||
      EXTENSION_VIEWS.test(rv.relname ?? '')
    ) {
      catalogTables++;
    } else userTables++;
  });
  if (userTables === 0 && catalogTables > 0) return 'reads only system catalogs';
  if (userTables === 0) return 'reads no table';
  return undefined;
}
