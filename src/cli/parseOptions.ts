import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** `2GB`, `500 MB`, `100kB`, `1048576` → bytes (powers of 1024, as PostgreSQL's size units). */
export function parseBytes(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?b)?\s*$/i.exec(value);
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
  if (!Number.isFinite(f) || f < 0 || f > 1) throw new InvalidArgumentError(`expected a fraction (0.3) or a percentage (30%), got "${value}"`);
  return f;
}

export function parseDuration(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a duration such as 30s, 500ms or 7d, got "${value}"`);
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Number(m[1]) * factor;
}
