// docs/bench-scaling.svg: median time against directory size for the ldapsearch baseline and
// each operation, log–log (a straight line of slope 1 is linear growth), hand-written SVG.
import { operations, type BenchResults } from './reportWriter';

const width = 820;
const height = 460;
const margin = { left: 70, right: 270, top: 40, bottom: 55 };
const colors = ['#444444', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

export function renderScalingSvg(bench: BenchResults): string {
  const series = [
    { label: 'ldapsearch (baseline)', points: bench.results.map((r) => [r.users, r.search.baseline.median] as const), dashed: true },
    ...operations.map((op) => ({
      label: op.label.replace(/`/g, ''),
      points: bench.results.map((r) => [r.users, r[op.key].summary.median] as const),
      dashed: false,
    })),
  ];
  const xs = bench.results.map((r) => r.users);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  const xTicks = decades(Math.min(...xs), Math.max(...xs));
  const yTicks = decades(Math.min(...ys), Math.max(...ys));
  const [x0, x1] = [Math.log10(xTicks[0]), Math.log10(xTicks[xTicks.length - 1])];
  const [y0, y1] = [Math.log10(yTicks[0]), Math.log10(yTicks[yTicks.length - 1])];
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (v: number) => margin.left + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * plotW;
  const py = (v: number) => margin.top + plotH - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * plotH;
  const fmt = (v: number) => (v >= 1000 ? `${v / 1000}k` : String(v));
  const fmtMs = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${margin.left}" y="22" font-size="14" font-weight="bold">Median time vs directory size (log–log; slope 1 = linear)</text>`);
  for (const t of xTicks) {
    out.push(`<line x1="${px(t).toFixed(1)}" y1="${margin.top}" x2="${px(t).toFixed(1)}" y2="${margin.top + plotH}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${px(t).toFixed(1)}" y="${margin.top + plotH + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const n of xs) {
    out.push(`<line x1="${px(n).toFixed(1)}" y1="${margin.top + plotH}" x2="${px(n).toFixed(1)}" y2="${margin.top + plotH + 5}" stroke="#000"/>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${margin.left}" y1="${py(t).toFixed(1)}" x2="${margin.left + plotW}" y2="${py(t).toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${margin.left - 8}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmtMs(t)}</text>`);
  }
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#000"/>`);
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">users in the directory</text>`);
  series.forEach((s, i) => {
    const color = colors[i % colors.length];
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6,4"' : ''}/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.label}: ${p[0]} users, ${p[1].toFixed(0)} ms`)}</title></circle>`);
    const ly = margin.top + 10 + i * 20;
    const lx = margin.left + plotW + 15;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6,4"' : ''}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
