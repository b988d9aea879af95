// Markdown-only text helpers. Quantities (sizes, costs, shares, ages) are written by ../format.ts.

/** One line of SQL, shortened for a table cell. */
export function oneLine(sql: string, max = 160): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Text safe inside a Markdown table cell or inline code. */
export function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, 'ʼ');
}
