// The charts of advice.html as inline SVG: drawn here, in the file, so the report opens offline
// and needs no script to show them. Each mark (bar, segment, point) carries its figure in
// data-value (data-x/data-y for points) and a <title> with the figure as written, so a reader
// hovering sees the number and a test can check the drawing against advice.json.
// Every label is escaped: they hold table, index and statement names from the database.

import { attr, escapeHtml } from './htmlEscape.js';

export interface Mark {
  label: string;
  value: number;
  /** The value as the report writes it (`12.1M`, `31.4 MB`). */
  shown: string;
  /** Tooltip; the label and the shown value by default. */
  title?: string;
}

const W = 720;
const LABEL_W = 210;
const VALUE_W = 100;
const BAR_AREA = W - LABEL_W - VALUE_W - 16;

const fmt = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '0');

function short(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function svgOpen(id: string, caption: string, height: number): string {
  return `<svg class="chart" data-chart="${escapeHtml(id)}" viewBox="0 0 ${W} ${fmt(height)}" role="img"${attr('aria-label', caption)}>`;
}

function label(x: number, y: number, text: string, max: number, anchor = 'end', cls = 'label'): string {
  const t = short(text, max);
  return `<text class="${cls}" x="${fmt(x)}" y="${fmt(y)}" text-anchor="${anchor}">${escapeHtml(t)}${t === text ? '' : `<title>${escapeHtml(text)}</title>`}</text>`;
}

function rect(x: number, y: number, w: number, h: number, cls: string, m: Mark): string {
  // A positive figure is never drawn as nothing: a sliver of 1 unit shows it is there.
  const width = m.value > 0 ? Math.max(1, w) : 0;
  return (
    `<rect class="mark ${cls}" x="${fmt(x)}" y="${fmt(y)}" width="${fmt(width)}" height="${fmt(h)}"` +
    `${attr('data-value', m.value)}${attr('data-label', m.label)}><title>${escapeHtml(m.title ?? `${m.label}: ${m.shown}`)}</title></rect>`
  );
}

function verticalLine(x: number, top: number, bottom: number, text: string, cls: string): string {
  return (
    `<line class="${cls}" x1="${fmt(x)}" x2="${fmt(x)}" y1="${fmt(top)}" y2="${fmt(bottom)}"/>` +
    `<text class="${cls}-label" x="${fmt(x)}" y="${fmt(top - 4)}" text-anchor="middle">${escapeHtml(text)}</text>`
  );
}

/** One horizontal bar per mark, on a common scale from 0. */
export function barChart(id: string, caption: string, bars: Mark[], kinds: string[] = []): string {
  const rowH = 30;
  const top = 8;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const scale = max > 0 ? BAR_AREA / max : 0;
  const h = top + bars.length * rowH + 8;
  const out = [svgOpen(id, caption, h)];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = b.value * scale;
    out.push(label(LABEL_W - 8, y + 17, b.label, 26));
    out.push(rect(LABEL_W, y + 4, w, rowH - 10, kinds[i] ?? `s${i % 8}`, b));
    out.push(`<text class="value" x="${fmt(LABEL_W + Math.max(1, w) + 6)}" y="${fmt(y + 17)}">${escapeHtml(b.shown)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

export interface PairedRow {
  label: string;
  /** The first bar (e.g. now) and the second (e.g. with the advice). */
  a: Mark;
  b: Mark;
}

/** Two thin bars per row (before and after), on a common scale; a legend names them. */
export function pairedBarChart(id: string, caption: string, rows: PairedRow[], legend: [string, string]): string {
  const rowH = 34;
  const top = 26;
  const max = Math.max(0, ...rows.flatMap((r) => [r.a.value, r.b.value]));
  const scale = max > 0 ? BAR_AREA / max : 0;
  const h = top + rows.length * rowH + 6;
  const out = [svgOpen(id, caption, h), legendRow(LABEL_W, 12, [legend[0], legend[1]], ['before', 'after'])];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(label(LABEL_W - 8, y + 20, r.label, 26));
    for (const [k, m, dy] of [
      ['before', r.a, 3],
      ['after', r.b, 16],
    ] as const) {
      const w = m.value * scale;
      out.push(rect(LABEL_W, y + dy, w, 12, k, m));
      out.push(`<text class="value small" x="${fmt(LABEL_W + Math.max(1, w) + 6)}" y="${fmt(y + dy + 10)}">${escapeHtml(m.shown)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('');
}

function legendRow(x0: number, y: number, names: string[], classes: string[]): string {
  let x = x0;
  const out: string[] = [];
  names.forEach((n, i) => {
    out.push(`<rect class="${classes[i]}" x="${fmt(x)}" y="${fmt(y - 9)}" width="10" height="10"/>`);
    const t = short(n, 40);
    out.push(`<text class="legend" x="${fmt(x + 14)}" y="${fmt(y)}">${escapeHtml(t)}</text>`);
    x += 24 + t.length * 6.5;
  });
  return out.join('');
}

export interface StackedRow {
  label: string;
  segments: Mark[];
  /** The row's total as written. */
  shown: string;
  kind: string;
}

/** One bar per row made of segments (each index, each finding), on a common scale; an optional limit line. */
export function stackedBarChart(id: string, caption: string, rows: StackedRow[], limit?: { value: number; shown: string }): string {
  const rowH = 34;
  const top = limit ? 24 : 8;
  const totals = rows.map((r) => r.segments.reduce((n, s) => n + s.value, 0));
  const max = Math.max(0, limit?.value ?? 0, ...totals);
  const scale = max > 0 ? BAR_AREA / max : 0;
  const h = top + rows.length * rowH + 8;
  const out = [svgOpen(id, caption, h)];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(label(LABEL_W - 8, y + 20, r.label, 26));
    let x = LABEL_W;
    r.segments.forEach((s, j) => {
      out.push(rect(x, y + 6, s.value * scale, rowH - 12, `${r.kind} seg${j % 2}`, s));
      x += s.value * scale;
    });
    out.push(`<text class="value" x="${fmt(x + 6)}" y="${fmt(y + 20)}">${escapeHtml(r.shown)}</text>`);
  });
  if (limit) out.push(verticalLine(LABEL_W + limit.value * scale, top - 6, h - 4, `budget ${limit.shown}`, 'limit'));
  out.push('</svg>');
  return out.join('');
}

/** Round steps for an axis from 0 to max: 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
  // Up to the first step at or above max, so that the highest figure stays inside the axis.
  const steps = Math.ceil(max / step - 1e-9);
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

export interface Point {
  x: number;
  y: number;
  label: string;
  title: string;
}

/**
 * Points on a log x axis (sizes span kB to GB) and a linear y axis from 0; optionally a running
 * total drawn as a line through them (`curve`) and a limit on x (the budget) as a vertical line.
 */
export function scatterChart(
  id: string,
  caption: string,
  points: Point[],
  axes: { x: string; y: string; formatX: (n: number) => string; formatY: (n: number) => string },
  extra: {
    curve?: { points: Array<{ x: number; y: number }>; label: string };
    limit?: { value: number; shown: string };
    /** The highest y there can be (100 for a share in %): the axis stops there. */
    yCap?: number;
  } = {},
): string {
  const left = 64;
  const right = 24;
  const top = 24;
  const plotH = 240;
  const h = top + plotH + 44;
  const curve = extra.curve?.points ?? [];
  const xs = [...points, ...curve].map((p) => Math.max(1, p.x));
  const lo = Math.log10(Math.min(...xs) / 2);
  const hi = Math.log10(Math.max(...xs, extra.limit?.value ?? 0) * 2);
  const px = (x: number) => left + ((Math.log10(Math.max(1, x)) - lo) / (hi - lo || 1)) * (W - left - right);
  const yHi = Math.max(...[...points, ...curve].map((p) => p.y));
  const yTicks = niceTicks(Math.min(yHi * 1.1, Math.max(yHi, extra.yCap ?? Number.POSITIVE_INFINITY)));
  const yMax = yTicks[yTicks.length - 1] || 1;
  const py = (y: number) => top + plotH - (y / yMax) * plotH;
  const out = [svgOpen(id, caption, h)];
  for (const t of yTicks) {
    out.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${fmt(py(t))}" y2="${fmt(py(t))}"/>`);
    out.push(`<text class="tick" x="${left - 6}" y="${fmt(py(t) + 4)}" text-anchor="end">${escapeHtml(axes.formatY(t))}</text>`);
  }
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    out.push(`<line class="grid" x1="${fmt(px(10 ** e))}" x2="${fmt(px(10 ** e))}" y1="${top}" y2="${top + plotH}"/>`);
    out.push(
      `<text class="tick" x="${fmt(px(10 ** e))}" y="${top + plotH + 16}" text-anchor="middle">${escapeHtml(axes.formatX(10 ** e))}</text>`,
    );
  }
  out.push(`<text class="axis" x="${fmt((left + W - right) / 2)}" y="${h - 6}" text-anchor="middle">${escapeHtml(axes.x)}</text>`);
  out.push(
    `<text class="axis" x="12" y="${fmt(top + plotH / 2)}" transform="rotate(-90 12 ${fmt(top + plotH / 2)})" text-anchor="middle">${escapeHtml(axes.y)}</text>`,
  );
  if (curve.length) {
    const last = curve[curve.length - 1]!;
    out.push(`<polyline class="cumulative" points="${curve.map((p) => `${fmt(px(p.x))},${fmt(py(p.y))}`).join(' ')}"/>`);
    out.push(label(px(last.x) - 8, py(last.y) - 8, extra.curve!.label, 40, 'end', 'cumulative-label'));
  }
  if (extra.limit) out.push(verticalLine(px(extra.limit.value), top - 6, top + plotH, `budget ${extra.limit.shown}`, 'limit'));
  for (const p of points) {
    const cx = px(p.x);
    const cy = py(p.y);
    out.push(
      `<circle class="mark point" cx="${fmt(cx)}" cy="${fmt(cy)}" r="7"${attr('data-x', p.x)}${attr('data-y', p.y)}${attr('data-label', p.label)}>` +
        `<title>${escapeHtml(p.title)}</title></circle>`,
      `<text class="point-label" x="${fmt(cx)}" y="${fmt(cy + 4)}" text-anchor="middle">${escapeHtml(p.label)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('');
}

export interface Series {
  name: string;
  points: Array<{ t: number; y: number; shown: string }>;
}

/** Lines over time (dates on x); y from 0, or on a log scale when the values span more than 50×. */
export function lineChart(id: string, caption: string, series: Series[], formatY: (n: number) => string): string {
  const left = 64;
  const right = 40;
  const top = 16;
  const plotH = 220;
  const legendH = 18 * series.length;
  const h = top + plotH + 30 + legendH + 8;
  const all = series.flatMap((s) => s.points);
  let t0 = Math.min(...all.map((p) => p.t));
  let t1 = Math.max(...all.map((p) => p.t));
  if (t0 === t1) [t0, t1] = [t0 - 86_400_000, t1 + 86_400_000];
  const px = (t: number) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const positive = all.map((p) => p.y).filter((y) => y > 0);
  const yHi = Math.max(...all.map((p) => p.y), 0);
  const log = positive.length > 0 && yHi / Math.min(...positive) > 50;
  const out = [svgOpen(id, caption, h)];
  let py: (y: number) => number;
  if (log) {
    const lo = Math.floor(Math.log10(Math.min(...positive)));
    const hi = Math.ceil(Math.log10(yHi));
    py = (y) => top + plotH - ((Math.log10(Math.max(y, 10 ** lo)) - lo) / (hi - lo || 1)) * plotH;
    for (let e = lo; e <= hi; e++) out.push(hTick(left, W - right, py(10 ** e), formatY(10 ** e)));
  } else {
    const ticks = niceTicks(yHi * 1.1);
    const yMax = ticks[ticks.length - 1] || 1;
    py = (y) => top + plotH - (y / yMax) * plotH;
    for (const t of ticks) out.push(hTick(left, W - right, py(t), formatY(t)));
  }
  const days = [...new Set(all.map((p) => p.t))].sort((a, b) => a - b);
  const every = Math.ceil(days.length / 6);
  days.forEach((d, i) => {
    if (i % every === 0)
      out.push(
        `<text class="tick" x="${fmt(px(d))}" y="${top + plotH + 16}" text-anchor="middle">${new Date(d).toISOString().slice(0, 10)}</text>`,
      );
  });
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.t - b.t);
    out.push(`<polyline class="line s${i % 8}" points="${pts.map((p) => `${fmt(px(p.t))},${fmt(py(p.y))}`).join(' ')}"/>`);
    for (const p of pts) {
      out.push(
        `<circle class="mark dot s${i % 8}" cx="${fmt(px(p.t))}" cy="${fmt(py(p.y))}" r="4"${attr('data-value', p.y)}` +
          `${attr('data-date', new Date(p.t).toISOString())}${attr('data-label', s.name)}><title>${escapeHtml(`${s.name}: ${p.shown}`)}</title></circle>`,
      );
    }
    const ly = top + plotH + 36 + i * 18;
    out.push(`<rect class="s${i % 8}" x="${left}" y="${ly - 9}" width="10" height="10"/>`);
    out.push(label(left + 16, ly, s.name, 100, 'start', 'legend'));
  });
  out.push('</svg>');
  return out.join('');
}

function hTick(x1: number, x2: number, y: number, text: string): string {
  return (
    `<line class="grid" x1="${x1}" x2="${x2}" y1="${fmt(y)}" y2="${fmt(y)}"/>` +
    `<text class="tick" x="${x1 - 6}" y="${fmt(y + 4)}" text-anchor="end">${escapeHtml(text)}</text>`
  );
}
