// Markdown-only text helpers. Quantities (sizes, costs, shares, ages) and SQL on one line are written by ../format.ts.

/** Text safe inside a Markdown table cell or inline code. */
export function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, 'ʼ');
}
