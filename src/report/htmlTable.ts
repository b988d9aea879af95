// Tables of advice.html that a reader sorts by clicking a header (SORT_SCRIPT, the page's only
// script). A numeric cell keeps its raw figure in data-sort, so `12.1M` sorts above `950k`.

import { attr, escapeHtml } from './htmlEscape.js';

export interface Column {
  title: string;
  numeric?: boolean;
}

/** A cell: its text (escaped here), or markup already escaped (`html`), and its sort key. */
export type Cell = string | { text?: string; html?: string; sort?: number | null; title?: string; className?: string };

export function sortableTable(id: string, columns: Column[], rows: Cell[][]): string {
  const head = columns.map((c) => `<th${c.numeric ? ' data-type="num"' : ''} scope="col">${escapeHtml(c.title)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => cell(c, columns[i]?.numeric ?? false)).join('')}</tr>`).join('\n');
  return `<table class="sortable" data-table="${escapeHtml(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function cell(c: Cell, numeric: boolean): string {
  if (typeof c === 'string') return `<td${numeric ? ' class="num"' : ''}>${escapeHtml(c)}</td>`;
  const cls = [numeric ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
  const sort = c.sort === undefined ? undefined : c.sort === null || !Number.isFinite(c.sort) ? '' : String(c.sort);
  return `<td${attr('class', cls || undefined)}${attr('data-sort', sort)}${attr('title', c.title)}>${c.html ?? escapeHtml(c.text ?? '')}</td>`;
}

/**
 * Sorts a table by the clicked header (again: the other way); numeric columns by data-sort, empty
 * last. Marks each table it made sortable with data-sort-ready, which shows it ran.
 */
export const SORT_SCRIPT = `(function () {
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    table.setAttribute('data-sort-ready', '');
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      var sort = function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var num = th.getAttribute('data-type') === 'num';
        var key = function (row) {
          var c = row.cells[i];
          if (!c) return num ? -Infinity : '';
          if (num) { var v = c.getAttribute('data-sort'); return v === null || v === '' ? -Infinity : Number(v); }
          return c.textContent.toLowerCase();
        };
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var d = x === y ? 0 : x < y ? -1 : 1;
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  });
})();`;
