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
function niceScale(value: number): { max: number; divisions: number } {
  if (value <= 0 || !Number.isFinite(value)) return { max: 1, divisions: 4 };
  const exp = Math.pow(10, Math.floor(Math.log10(value)));
  const steps: [number, number][] = [[1, 5], [1.5, 3], [2, 4], [2.5, 5], [3, 3], [4, 4], [5, 5], [6, 3], [8, 4], [10, 5]];
  for (const [m, divisions] of steps) if (value <= m * exp * (1 + 1e-9)) return { max: m * exp, divisions };
  return { max: 10 * exp, divisions: 5 };
}

export function lineChart(series: Series[], opts: LineChartOptions): HTMLElement {
  const W = 360;
  const H = 200;
  const pad = { l: 44, r: 12, t: 12, b: 30 };
  const n = Math.max(0, ...series.map((ser) => ser.values.length));
  const all = series.flatMap((ser) => ser.values.filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
  const yMin = opts.yMin ?? 0;
  const scale = opts.yMax !== undefined ? { max: opts.yMax, divisions: 4 } : niceScale(Math.max(yMin + 1e-9, ...all));
  const yMax = scale.max;
  const x = (i: number) => pad.l + (n <= 1 ? (W - pad.l - pad.r) / 2 : (i * (W - pad.l - pad.r)) / (n - 1));
  const y = (v: number) => pad.t + (1 - (v - yMin) / (yMax - yMin || 1)) * (H - pad.t - pad.b);
  const fmt = (v: number) => (opts.percent ? `${Math.round(v * 100)}%` : String(Number(v.toPrecision(3))));

  const grid: SVGElement[] = [];
  for (let k = 0; k <= scale.divisions; k++) {
    const v = yMin + ((yMax - yMin) * k) / scale.divisions;
    grid.push(s("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: "grid" }));
    grid.push(s("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, fmt(v)));
  }
  const step = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i += step) {
    grid.push(s("text", { x: x(i), y: H - pad.b + 16, "text-anchor": "middle", class: "tick" }, String(i + 1)));
  }
  grid.push(s("text", { x: (W + pad.l) / 2, y: H - 2, "text-anchor": "middle", class: "axis-label" }, "epoch"));

  const lines: SVGElement[] = [];
  for (const ser of series) {
    const pts = ser.values
      .map((v, i) => (typeof v === "number" && Number.isFinite(v) ? [x(i), y(Math.min(Math.max(v, yMin), yMax))] : null))
      .filter((p): p is number[] => p !== null);
    if (pts.length === 0) continue;
    if (pts.length > 1) {
      lines.push(
        s("polyline", {
          points: pts.map((p) => p.join(",")).join(" "),
          class: `line ${ser.className}`,
          "stroke-dasharray": ser.dashed ? "5 4" : null,
        }),
      );
    }
    for (const p of pts) lines.push(s("circle", { cx: p[0], cy: p[1], r: 3, class: `dot ${ser.className}` }));
  }

  const desc = series
    .map((ser) => {
      const last = [...ser.values].reverse().find((v) => typeof v === "number");
      return `${ser.name}: ${typeof last === "number" ? fmt(last) : "no data"}`;
    })
    .join("; ");
  const svg = s(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${opts.title}. Latest: ${desc}`, class: "chart-svg" },
    ...grid,
    ...lines,
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
  classes.forEach((c, r) => {
    const row = matrix[r] ?? [];
    const total = row.reduce((a, b) => a + (Number(b) || 0), 0);
    body.append(
      h(
        "tr",
        null,
        h("th", { scope: "row", title: c }, c),
        classes.map((pc, k) => {
          const v = Number(row[k]) || 0;
          const share = total > 0 ? v / total : 0;
          const onCell = opts.onCell;
          const content =
            onCell && v > 0
              ? h(
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
                )
              : String(v);
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
      ),
    );
  });
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
