import { InvalidArgumentError } from 'commander';

/** Decimal (SI) units, as in the literature and the README's figures; the binary ones have an i. */
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * A size → bytes: `kB`, `MB`, `GB`, `TB` are powers of 1000 (`500MB` = 500,000,000), `KiB`, `MiB`,
 * `GiB`, `TiB` powers of 1024 (`2GiB` = 2,147,483,648), a plain number or `B` is bytes. Case and
 * a space before the unit do not matter.
 */
export function parseBytes(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|[kmgt]i?b)?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a size such as 500MB or 2GB, got "${value}"`);
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

export function parseFraction(value: string): number {
  const pct = /%\s*$/.test(value);
  const n = Number(value.replace(/%\s*$/, ''));
  const f = pct ? n / 100 : n;
  if (!Number.isFinite(f) || f < 0 || f > 1)
    throw new InvalidArgumentError(`expected a fraction (0.3) or a percentage (30%), got "${value}"`);
  return f;
}

const DAY_MS = 86_400_000;
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)?\s*$/i;

/**
 * The one duration parser: `500ms`, `30s`, `2min` (or `2m`), `12h`, `7d` (units also spelled out:
 * `sec`, `minutes`, `hours`, `days`; any case) → milliseconds, or undefined when the text is not a
 * duration. A bare number is in `bareUnit`.
 */
function durationMs(value: string, bareUnit: 'ms' | 'd'): number | undefined {
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? bareUnit).toLowerCase();
  const factor = unit === 'ms' ? 1 : { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }[unit[0] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * factor;
}

/** `--statement-timeout`, `--min-total-ms`: a duration in ms (a bare number is ms). */
export function parseDuration(value: string): number {
  const ms = durationMs(value, 'ms');
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration such as 30s, 500ms or 7d, got "${value}"`);
  return ms;
}

/** `--min-stats-age`, `--last-scan-age`: a duration in days (a bare number is days): `7`, `7d`, `12h`, `30m`, `0`. */
export function parseStatsAge(value: string, option = '--min-stats-age'): number {
  const ms = durationMs(value, 'd');
  if (ms === undefined) throw new InvalidArgumentError(`${option}: expected a number of days or e.g. 7d, 12h, 30m (got "${value}")`);
  return ms / DAY_MS;
}

/**
 * A connection URL the driver can use (`postgresql://user@host:5432/dbname`): checked before
 * anything connects, so that `--db 'not a url'` is told so, not "getaddrinfo ENOTFOUND base".
 * The message never repeats the value (it may hold a password).
 */
export function checkUrl(option: string, value: string | undefined): void {
  const example = 'postgresql://user@host:5432/dbname (a password in it, or PGPASSWORD / ~/.pgpass)';
  if (!value) throw new Error(`${option}: no connection URL given; expected ${example}`);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^postgres(ql)?:$/.test(url.protocol)) {
    throw new Error(`${option}: not a connection URL; expected ${example}`);
  }
  if (url.port && !/^\d+$/.test(url.port)) throw new Error(`${option}: the port of the connection URL is not a number`);
}
