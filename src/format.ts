// How quantities are written for people, in every report, summary and warning: sizes, planner
// costs, shares and ages. Pure; imports nothing, so every stage and the report may use it.

/** `0 B`, `512 B`, `10.0 MB`, `1.5 GB`: powers of 1000, as --budget reads them and the literature counts. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log10(n) / 3));
  const v = n / 1000 ** i;
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Planner cost units: `8.02`, `8462`, `12.3k`, `2.54M`; `–` when unknown. */
export function formatCost(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n >= 100 ? 0 : 2);
}

/** A share as a percentage: `21.0 %`, `0.45 %`. */
export function formatPercent(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return `${(x * 100).toFixed(x >= 0.1 ? 1 : 2)} %`;
}

/**
 * An age, rounded down (a statistics window is never overstated): "1 minute", "42 minutes",
 * "5 hours", "2.5 days", "12 days"; "unknown" for null.
 */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'unknown';
  const s = Math.max(0, seconds);
  if (s < 120 * 60) {
    const m = Math.floor(s / 60);
    return `${m} minute${m === 1 ? '' : 's'}`;
  }
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} hours`;
  const d = s / 86400;
  return `${d >= 10 ? Math.floor(d) : Math.floor(d * 10) / 10} days`;
}

/** One line of SQL, shortened for a table cell or a message. */
export function oneLine(sql: string, max = 160): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
