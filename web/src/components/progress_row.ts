import { h } from "../dom";

/** A labelled <progress>; value null: indeterminate. */
export function progressRow(label: string, value: number | null, max = 1, testid = ""): HTMLElement {
  return h(
    "div",
    { class: "progress-row" },
    h("span", { class: "progress-label" }, label),
    h("progress", { max: String(max), value: value === null ? null : String(value), "data-testid": testid || null, "aria-label": label }),
  );
}
