// `node dist-tools/tools/portable/main.js 17`: prepares (or finds in the cache) a portable
// PostgreSQL 17 with pg_stat_statements, hypopg and pg_qualstats and prints its bin dir on stdout; progress goes
// to stderr. For the version matrix, and by hand: `PG_BIN=$(node dist-tools/tools/portable/main.js 18)`.
import { SetupError } from '../cluster/setupError.js';
import { PORTABLE_MAJORS, preparePortablePostgres } from './portable.js';

const arg = process.argv[2];
const major = Number(arg);
if (!arg || !Number.isInteger(major)) {
  console.error(`usage: main.js <major>   (one of ${Object.keys(PORTABLE_MAJORS).join(', ')})`);
  process.exit(2);
}
try {
  const pg = await preparePortablePostgres(major, { log: (m) => console.error(`[portable] ${m}`) });
  console.error(
    `[portable] PostgreSQL ${pg.serverVersion} with hypopg ${pg.hypopgVersion}, pg_qualstats ${pg.pgQualstatsVersion ?? 'none'}${pg.cached ? ' (cached)' : ''}`,
  );
  console.log(pg.binDir);
} catch (err) {
  console.error(err instanceof SetupError ? `error: ${err.message}` : err);
  process.exit(1);
}
