/**
 * Three small SVG charts for the bench report: bars, a histogram and lines. Hand-written (about a
 * hundred lines) because the charting libraries that render SVG on Node (vega, d3 with a DOM) weigh
 * megabytes for three plain charts; the output is static SVG that GitHub and any browser show.
 */

const W = 640;
const H = 300;
const M = { top: 36, right: 24, bottom: 48, left: 64 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A round step for about `n` ticks over [0, max]. */
function ticks(max: number, n = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max * 1.0001; v += step) out.push(v);
  return out;
}

function frame(title: string, yLabel: string, xLabel: string, yMax: number, body: string): string {
  const y = (v: number) => M.top + (H - M.top - M.bottom) * (1 - v / yMax);
  const grid = ticks(yMax).map((t) => `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/><text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${num(t)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>
${grid}
<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>
${body}
</svg>
`;
}

/** One bar per label, the value printed on top. */
export function barChart(title: string, yLabel: string, bars: ReadonlyArray<{ label: string; value: number }>): string {
  const yMax = Math.max(...bars.map((b) => b.value), 0) * 1.15 || 1;
  const slot = (W - M.left - M.right) / Math.max(bars.length, 1);
  const h = (v: number) => (H - M.top - M.bottom) * (v / yMax);
  const body = bars.map((b, i) => {
    const x = M.left + i * slot + slot * 0.15;
    const top = H - M.bottom - h(b.value);
    return `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h(b.value).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(b.label)}: ${num(b.value)}</title></rect>`
      + `<text x="${(x + slot * 0.35).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle">${num(b.value)}</text>`
      + `<text x="${(x + slot * 0.35).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(b.label)}</text>`;
  }).join('\n');
  return frame(title, yLabel, '', yMax, body);
}

/**
 * A histogram of `values` in `bins` equal bins, with the p50 and p99 marked. The range ends at 1.25x
 * the p99, so that one stray outlier does not squash the rest into a bar: what lies beyond is counted
 * in the last bin and said so.
 */
export function histogram(title: string, xLabel: string, values: readonly number[], bins = 20): string {
  const sorted = [...values].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const lo = sorted[0] ?? 0;
  const hi = Math.min(sorted.at(-1) ?? 1, pct(99) * 1.25);
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  const beyond = sorted.filter((v) => v > hi).length;
  const yMax = Math.max(...counts, 1) * 1.1;
  const plotW = W - M.left - M.right;
  const x = (v: number) => M.left + plotW * ((v - lo) / (hi - lo || 1));
  const h = (c: number) => (H - M.top - M.bottom) * (c / yMax);
  const bars = counts.map((c, i) => `<rect x="${(M.left + (plotW / bins) * i + 1).toFixed(1)}" y="${(H - M.bottom - h(c)).toFixed(1)}" width="${(plotW / bins - 2).toFixed(1)}" height="${h(c).toFixed(1)}" fill="${COLORS[0]}"><title>${num(lo + i * width)}–${num(lo + (i + 1) * width)}: ${c}</title></rect>`).join('');
  const marks = ([[50, '#2ca02c'], [99, '#d62728']] as const).map(([p, color]) => {
    const v = pct(p);
    const right = x(v) > W - M.right - 80; // near the right edge the label goes to the left of its line
    return `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}" stroke="${color}" stroke-dasharray="4 3"/><text x="${(x(v) + (right ? -4 : 4)).toFixed(1)}" y="${M.top + (p === 50 ? 12 : 26)}" text-anchor="${right ? 'end' : 'start'}" fill="${color}">p${p} ${num(v)}</text>`;
  }).join('');
  const axis = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(lo + f * (hi - lo)).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${num(lo + f * (hi - lo))}</text>`).join('');
  const over = beyond > 0 ? `<text x="${W - M.right}" y="${H - M.bottom - 6}" text-anchor="end">${beyond} over ${num(hi)} (max ${num(sorted.at(-1)!)}) in the last bin</text>` : '';
  return frame(title, 'count', xLabel, yMax, bars + marks + axis + over);
}

/** Lines of [x, y] points, sharing both axes; a legend names them. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: ReadonlyArray<{ name: string; points: ReadonlyArray<readonly [number, number]> }>): string {
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(...all.map((p) => p[0]), 1);
  const yMax = Math.max(...all.map((p) => p[1]), 0) * 1.1 || 1;
  const plotW = W - M.left - M.right;
  const x = (v: number) => M.left + plotW * (v / xMax);
  const y = (v: number) => M.top + (H - M.top - M.bottom) * (1 - v / yMax);
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ')}"/>`
    + `<rect x="${W - M.right - 150}" y="${M.top + i * 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${W - M.right - 136}" y="${M.top + 9 + i * 16}">${esc(s.name)}</text>`).join('\n');
  const axis = ticks(xMax).map((t) => `<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${num(t)}</text>`).join('');
  return frame(title, yLabel, xLabel, yMax, lines + axis);
}
