// The confusion matrix of a finished task with clickable counts: a click on a cell lists the
// validation items behind it (GET /tasks/{id}/validation, fetched once per task and cached) with
// their true and predicted class and top scores. Built with h() only: file names, texts and class
// names come from the user's dataset and always end up as text nodes; a thumbnail is set through
// the img.src property, and only when it is a base64 PNG data URL.

import { api, ApiError, type TopEntry, type Validation, type ValidationItem } from "./api";
import { confusionHeatmap, scoreBars } from "./charts";
import { h, replace } from "./dom";

const PANEL_ID = "cell-items";
const FIRST_PAGE = 100; // items rendered before "Show all"
const KEEP = 4; // tasks whose validation items stay cached (thumbnails weigh a few hundred KB)
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

const cache = new Map<string, Promise<Validation>>();
let selected: { taskId: string; row: number; col: number } | null = null;

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function normalise(raw: unknown): Validation {
  const body = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const items = Array.isArray(body.items) ? body.items : [];
  return {
    kind: typeof body.kind === "string" ? body.kind : undefined,
    classes: Array.isArray(body.classes) ? body.classes.map(String) : undefined,
    truncated: body.truncated === true,
    items: items.filter(
      (i): i is ValidationItem => Boolean(i) && typeof i === "object" && isIndex((i as ValidationItem).label) && isIndex((i as ValidationItem).predicted),
    ),
  };
}

/** The task's validation items: one request per task, shared by every cell; a failure is retried. */
export function loadValidation(taskId: string): Promise<Validation> {
  let promise = cache.get(taskId);
  if (!promise) {
    const loading = api.validation(taskId).then(normalise);
    loading.catch(() => {
      if (cache.get(taskId) === loading) cache.delete(taskId);
    });
    cache.set(taskId, loading);
    while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
    promise = loading;
  }
  return promise;
}

function topEntries(item: ValidationItem): TopEntry[] {
  const top = Array.isArray(item.top) ? item.top : [];
  return top
    .filter((t) => t && typeof t === "object" && typeof t.score === "number" && Number.isFinite(t.score))
    .slice(0, 3)
    .map((t) => ({ label: String(t.label ?? ""), score: t.score }));
}

function percent(v: number | undefined): string {
  return typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "—";
}

function itemView(item: ValidationItem, classes: string[]): HTMLElement {
  const name = typeof item.name === "string" ? item.name : "";
  const text = typeof item.text === "string" ? item.text : null;
  let media: HTMLElement | null = null;
  if (text === null) {
    if (typeof item.thumbnail === "string" && PNG_DATA_URL.test(item.thumbnail)) {
      const img = h("img", { class: "cell-item-thumb", width: 64, height: 64, decoding: "async", "data-testid": "cell-item-image" });
      img.alt = name || `validation image ${item.index ?? ""}`.trim();
      img.src = item.thumbnail;
      media = img;
    } else {
      media = h("span", { class: "cell-item-thumb none", "aria-hidden": "true" }, "?");
    }
  }
  const className = (i: number) => classes[i] ?? `class ${i}`;
  return h(
    "li",
    { class: `cell-item${text !== null ? " text" : ""}`, "data-testid": "cell-item" },
    media,
    h(
      "div",
      { class: "cell-item-body" },
      text !== null ? h("p", { class: "cell-item-text", "data-testid": "cell-item-text" }, text) : null,
      name ? h("p", { class: "cell-item-name", title: name }, name) : null,
      h(
        "p",
        { class: "cell-item-classes small" },
        "True: ",
        h("strong", null, className(item.label)),
        " · predicted: ",
        h("strong", null, className(item.predicted)),
        ` (${percent(item.score)})`,
      ),
      topEntries(item).length ? scoreBars(topEntries(item)) : null,
    ),
  );
}

function describe(e: unknown): string {
  if (e instanceof ApiError && e.code === "validation_unavailable") {
    return "This model was saved before trainbox kept its validation items. Train the task again to see the items behind each cell.";
  }
  const why = e instanceof Error ? e.message : String(e);
  return `The validation items could not be loaded: ${why} Select the cell again to retry.`;
}

/** One confusion-matrix block: its matrix, its cell panel and the request in flight. */
interface Explorer {
  taskId: string;
  classes: string[];
  matrix: number[][];
  panel: HTMLElement;
  block: HTMLElement | null;
  seq: number;
}

/**
 * The confusion-matrix block of a finished task, its non-zero counts as buttons, and the panel
 * that lists a selected cell's validation items.
 */
export function confusionExplorer(taskId: string, classes: string[], matrix: number[][]): HTMLElement {
  const panel = h("section", { id: PANEL_ID, class: "cell-items", "data-testid": "cell-items", "aria-live": "polite", "aria-labelledby": `${PANEL_ID}-title` });
  panel.hidden = true;
  const ex: Explorer = { taskId, classes, matrix, panel, block: null, seq: 0 };
  const block = confusionHeatmap(classes, matrix, { onCell: (r, c) => void showCell(ex, r, c), controls: PANEL_ID });
  ex.block = block;
  block.append(panel);
  // The page re-renders a task as it changes: keep the open cell open.
  if (selected && selected.taskId === taskId) void showCell(ex, selected.row, selected.col);
  return block;
}

function cellButtons(ex: Explorer): HTMLButtonElement[] {
  return Array.from(ex.block!.querySelectorAll<HTMLButtonElement>('button[data-testid="cm-cell"]'));
}

function closeCell(ex: Explorer): void {
  ex.seq++;
  const was = selected;
  selected = null;
  ex.panel.hidden = true;
  replace(ex.panel);
  for (const b of cellButtons(ex)) b.setAttribute("aria-pressed", "false");
  if (was) cellButtons(ex).find((b) => b.dataset.row === String(was.row) && b.dataset.col === String(was.col))?.focus();
}

function cellHeading(ex: Explorer, row: number, col: number, count: string): HTMLElement {
  const trueName = ex.classes[row] ?? `class ${row}`;
  const predictedName = ex.classes[col] ?? `class ${col}`;
  return h(
    "div",
    { class: "cell-items-head" },
    h("h4", { id: `${PANEL_ID}-title` }, `True ${trueName}, predicted ${predictedName}`, h("span", { class: "muted", "data-testid": "cell-items-count" }, ` — ${count}`)),
    h("button", { type: "button", class: "small", "data-testid": "cell-items-close", onclick: () => closeCell(ex) }, "Close"),
  );
}

function itemCount(n: number): string {
  return `${n} item${n === 1 ? "" : "s"}`;
}

async function showCell(ex: Explorer, row: number, col: number): Promise<void> {
  selected = { taskId: ex.taskId, row, col };
  for (const b of cellButtons(ex)) {
    b.setAttribute("aria-pressed", String(b.dataset.row === String(row) && b.dataset.col === String(col)));
  }
  const expected = Number(ex.matrix[row]?.[col]) || 0;
  const mine = ++ex.seq;
  ex.panel.hidden = false;
  replace(ex.panel, cellHeading(ex, row, col, itemCount(expected)), h("p", { class: "muted" }, "Loading the validation items…"));
  let validation: Validation;
  try {
    validation = await loadValidation(ex.taskId);
  } catch (e) {
    if (mine !== ex.seq) return;
    replace(ex.panel, cellHeading(ex, row, col, itemCount(expected)), h("p", { class: "alert info", "data-testid": "cell-items-error" }, describe(e)));
    return;
  }
  if (mine !== ex.seq) return;
  renderCellItems(ex, row, col, expected, validation);
}

function renderCellItems(ex: Explorer, row: number, col: number, expected: number, validation: Validation): void {
  const items = validation.items.filter((i) => i.label === row && i.predicted === col);
  const list = h("ul", { class: "cell-item-list", "data-testid": "cell-item-list" }, items.slice(0, FIRST_PAGE).map((i) => itemView(i, ex.classes)));
  const more =
    items.length > FIRST_PAGE
      ? h(
          "button",
          {
            type: "button",
            class: "small",
            "data-testid": "cell-items-more",
            onclick: (e: Event) => {
              list.append(...items.slice(FIRST_PAGE).map((i) => itemView(i, ex.classes)));
              (e.currentTarget as HTMLElement).remove();
            },
          },
          `Show all ${items.length}`,
        )
      : null;
  replace(
    ex.panel,
    cellHeading(ex, row, col, itemCount(items.length)),
    validation.truncated && items.length < expected
      ? h("p", { class: "muted small" }, `Only the first validation items were kept with the model: ${items.length} of this cell's ${expected} are shown.`)
      : null,
    items.length ? list : h("p", { class: "muted" }, "No validation items in this cell."),
    more,
  );
}
