// Every string from the database (statement texts, table, index and column names, reasons that
// quote them) goes into advice.html through these: a table named `<script>…` is text, never markup.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe as element content and as a quoted attribute value, in HTML and in inline SVG. */
export function escapeHtml(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** ` name="value"`, the value escaped; nothing when the value is undefined. */
export function attr(name: string, value: string | number | undefined): string {
  return value === undefined ? '' : ` ${name}="${escapeHtml(value)}"`;
}
