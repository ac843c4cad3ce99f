/**
 * A small hand-written SVG line chart (no plotting dependency): one panel per measure, module
 * count on the x axis, one line per tool. Written beside the results by the scale section.
 */
export interface PlotSeries {
  label: string;
  colour: string;
  points: Array<{ x: number; y: number }>;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: PlotSeries[];
}

const W = 460;
const H = 300;
const M = { left: 60, right: 20, top: 30, bottom: 45 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 0, and four more round steps up to the max. */
function ticks(max: number): number[] {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => Number((i * step).toPrecision(6)));
}

function panel(p: Panel, x0: number, xMax: number): string {
  const all = p.series.flatMap((s) => s.points);
  const yTicks = ticks(Math.max(...all.map((q) => q.y), 1e-9));
  const xTicks = ticks(xMax);
  const yTop = yTicks[yTicks.length - 1]!;
  const xTop = xTicks[xTicks.length - 1]!;
  const px = (x: number) => x0 + M.left + (x / xTop) * (W - M.left - M.right);
  const py = (y: number) => M.top + (1 - y / yTop) * (H - M.top - M.bottom);
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${px(0)}" x2="${px(xTop)}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${px(0) - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of xTicks) out.push(`<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${t}</text>`);
  out.push(`<line x1="${px(0)}" x2="${px(xTop)}" y1="${py(0)}" y2="${py(0)}" stroke="#333"/>`);
  out.push(`<line x1="${px(0)}" x2="${px(0)}" y1="${py(0)}" y2="${py(yTop)}" stroke="#333"/>`);
  out.push(`<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle">modules in the image</text>`);
  out.push(`<text transform="translate(${x0 + 14} ${H / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${pts.map((q) => `${px(q.x).toFixed(1)},${py(q.y).toFixed(1)}`).join(' ')}"/>`);
    for (const q of pts) out.push(`<circle cx="${px(q.x).toFixed(1)}" cy="${py(q.y).toFixed(1)}" r="3" fill="${s.colour}"/>`);
    out.push(`<rect x="${px(0) + 10}" y="${M.top + 6 + i * 16}" width="10" height="10" fill="${s.colour}"/>`);
    out.push(`<text x="${px(0) + 26}" y="${M.top + 15 + i * 16}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

export function lineChart(panels: Panel[]): string {
  const xMax = Math.max(...panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q.x))), 1);
  const body = panels.map((p, i) => panel(p, i * W, xMax)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
