// Hand-drawn SVG charts (no chart library): per-epoch line charts and the confusion-matrix heat
// map (an HTML table, so it is readable by screen readers and scales on phones).

import { h, s } from "./dom";

export interface Series {
  name: string;
  values: (number | null | undefined)[];
  className: string; // colour via CSS (.series-train / .series-val)
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  yLabel: string;
  yMin?: number;
  yMax?: number;
  percent?: boolean;
}

/** A round axis maximum and a number of grid divisions that gives round tick values. */
export function niceScale(value: number): { max: number; divisions: number } {
  if (value <= 0 || !Number.isFinite(value)) return { max: 1, divisions: 4 };
  const exp = Math.pow(10, Math.floor(Math.log10(value)));
  const steps: [number, number][] = [[1, 5], [1.5, 3], [2, 4], [2.5, 5], [3, 3], [4, 4], [5, 5], [6, 3], [8, 4], [10, 5]];
  for (const [m, divisions] of steps) if (value <= m * exp * (1 + 1e-9)) return { max: m * exp, divisions };
  return { max: 10 * exp, divisions: 5 };
}

const W = 360;
const H = 200;
const PAD = { l: 44, r: 12, t: 12, b: 30 };

/** Where values land in a line chart: epoch index -> x, value -> y; tick labels. */
interface Plot {
  n: number;
  yMin: number;
  yMax: number;
  divisions: number;
  x: (i: number) => number;
  y: (v: number) => number;
  fmt: (v: number) => string;
}

function plotOf(series: Series[], opts: LineChartOptions): Plot {
  const n = Math.max(0, ...series.map((ser) => ser.values.length));
  const all = series.flatMap((ser) => ser.values.filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
  const yMin = opts.yMin ?? 0;
  const scale = opts.yMax !== undefined ? { max: opts.yMax, divisions: 4 } : niceScale(Math.max(yMin + 1e-9, ...all));
  const yMax = scale.max;
  return {
    n,
    yMin,
    yMax,
    divisions: scale.divisions,
    x: (i: number) => PAD.l + (n <= 1 ? (W - PAD.l - PAD.r) / 2 : (i * (W - PAD.l - PAD.r)) / (n - 1)),
    y: (v: number) => PAD.t + (1 - (v - yMin) / (yMax - yMin || 1)) * (H - PAD.t - PAD.b),
    fmt: (v: number) => (opts.percent ? `${Math.round(v * 100)}%` : String(Number(v.toPrecision(3)))),
  };
}

/** Grid lines with their value ticks, epoch ticks and the axis label. */
function gridOf(p: Plot): SVGElement[] {
  const grid: SVGElement[] = [];
  for (let k = 0; k <= p.divisions; k++) {
    const v = p.yMin + ((p.yMax - p.yMin) * k) / p.divisions;
    grid.push(s("line", { x1: PAD.l, x2: W - PAD.r, y1: p.y(v), y2: p.y(v), class: "grid" }));
    grid.push(s("text", { x: PAD.l - 6, y: p.y(v) + 4, "text-anchor": "end", class: "tick" }, p.fmt(v)));
  }
  const step = Math.max(1, Math.ceil(p.n / 8));
  for (let i = 0; i < p.n; i += step) {
    grid.push(s("text", { x: p.x(i), y: H - PAD.b + 16, "text-anchor": "middle", class: "tick" }, String(i + 1)));
  }
  grid.push(s("text", { x: (W + PAD.l) / 2, y: H - 2, "text-anchor": "middle", class: "axis-label" }, "epoch"));
  return grid;
}

/** Each series as a polyline (when it has 2+ points) and its dots. */
function linesOf(series: Series[], p: Plot): SVGElement[] {
  const lines: SVGElement[] = [];
  for (const ser of series) {
    const pts = ser.values
      .map((v, i) => (typeof v === "number" && Number.isFinite(v) ? [p.x(i), p.y(Math.min(Math.max(v, p.yMin), p.yMax))] : null))
      .filter((pt): pt is number[] => pt !== null);
    if (pts.length === 0) continue;
    if (pts.length > 1) {
      lines.push(
        s("polyline", {
          points: pts.map((pt) => pt.join(",")).join(" "),
          class: `line ${ser.className}`,
          "stroke-dasharray": ser.dashed ? "5 4" : null,
        }),
      );
    }
    for (const pt of pts) lines.push(s("circle", { cx: pt[0], cy: pt[1], r: 3, class: `dot ${ser.className}` }));
  }
  return lines;
}

/** The screen reader's summary: each series' latest value. */
export function latestValues(series: Series[], fmt: (v: number) => string): string {
  return series
    .map((ser) => {
      const last = [...ser.values].reverse().find((v) => typeof v === "number");
      return `${ser.name}: ${typeof last === "number" ? fmt(last) : "no data"}`;
    })
    .join("; ");
}

export function lineChart(series: Series[], opts: LineChartOptions): HTMLElement {
  const p = plotOf(series, opts);
  const svg = s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${opts.title}. Latest: ${latestValues(series, p.fmt)}`, class: "chart-svg" },
    ...gridOf(p),
    ...linesOf(series, p),
  );
  const legend = h(
    "ul",
    { class: "legend" },
    series.map((ser) => h("li", null, h("span", { class: `swatch ${ser.className}${ser.dashed ? " dashed" : ""}`, "aria-hidden": "true" }), ser.name)),
  );
  return h("figure", { class: "chart" }, h("figcaption", null, opts.title), svg, legend);
}

export interface HeatmapOptions {
  /**
   * When given, every non-zero count is a button (keyboard-reachable, with an aria-label naming
   * the cell) that calls this with the true class's row and the predicted class's column.
   */
  onCell?: (row: number, col: number) => void;
  /** The id of the element the cell buttons show (aria-controls). */
  controls?: string;
}

/** Confusion matrix: rows = true class, columns = predicted; colour = share of the row. */
export function confusionHeatmap(classes: string[], matrix: number[][], opts: HeatmapOptions = {}): HTMLElement {
  const table = h("table", { class: "heatmap", "aria-labelledby": "heatmap-title" });
  table.append(
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col", class: "corner" }, h("span", { class: "visually-hidden" }, "true \\ predicted")),
        classes.map((c) => h("th", { scope: "col", title: c }, h("span", { class: "col-label" }, c))),
      ),
    ),
  );
  const body = h("tbody");
  classes.forEach((_, r) => body.append(heatmapRow(classes, matrix[r] ?? [], r, opts)));
  table.append(body);
  return h(
    "div",
    { class: "heatmap-block" },
    h("h4", { id: "heatmap-title" }, "Confusion matrix"),
    h(
      "p",
      { class: "muted small" },
      "Rows: true class; columns: predicted class. Darker: a larger share of the row.",
      opts.onCell ? " Select a count to see the validation items behind it." : null,
    ),
    h("div", { class: "heatmap-wrap", tabindex: "0", role: "region", "aria-label": "Confusion matrix" }, table),
  );
}

function heatmapRow(classes: string[], row: number[], r: number, opts: HeatmapOptions): HTMLElement {
  const c = classes[r];
  const total = row.reduce((a, b) => a + (Number(b) || 0), 0);
  return h(
    "tr",
    null,
    h("th", { scope: "row", title: c }, c),
    classes.map((pc, k) => {
      const v = Number(row[k]) || 0;
      const share = total > 0 ? v / total : 0;
      const content = opts.onCell && v > 0 ? cellButton(c, pc, v, r, k, opts) : String(v);
      const cell = h(
        "td",
        {
          class: `${r === k ? "diag" : "off"}${share > 0.55 ? " dark" : ""}${content instanceof Node ? " has-button" : ""}`,
          title: `true ${c}, predicted ${pc}: ${v}`,
        },
        content,
      );
      cell.style.setProperty("--share", share.toFixed(3));
      return cell;
    }),
  );
}

function cellButton(c: string, pc: string, v: number, r: number, k: number, opts: HeatmapOptions): HTMLElement {
  const onCell = opts.onCell!;
  return h(
    "button",
    {
      type: "button",
      class: "cell-button",
      "data-testid": "cm-cell",
      "data-row": r,
      "data-col": k,
      "aria-pressed": "false",
      "aria-controls": opts.controls ?? null,
      "aria-label": `${v} validation item${v === 1 ? "" : "s"} of true class ${c} predicted as ${pc}: show ${v === 1 ? "it" : "them"}`,
      onclick: () => onCell(r, k),
    },
    String(v),
  );
}

/** Horizontal score bars, e.g. for the top predicted classes. */
export function scoreBars(entries: { label: string; score: number }[]): HTMLElement {
  return h(
    "ol",
    { class: "bars" },
    entries.map((e, i) => {
      const fill = h("span", { class: `bar-fill${i === 0 ? " first" : ""}` });
      fill.style.width = `${Math.max(0, Math.min(1, e.score)) * 100}%`;
      return h(
        "li",
        null,
        h("span", { class: "bar-label", title: e.label }, e.label),
        h("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        h("span", { class: "bar-value" }, `${(e.score * 100).toFixed(1)}%`),
      );
    }),
  );
}
