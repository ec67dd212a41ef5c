import { h } from "../dom";
import { formatPercent } from "../format";

/** A share (0..1) as a bar and a percentage. */
export function meter(value: number | undefined): HTMLElement {
  const fill = h("span", { class: "meter-fill" });
  fill.style.width = `${(value ?? 0) * 100}%`;
  return h("span", { class: "meter" }, h("span", { class: "meter-track", "aria-hidden": "true" }, fill), h("span", null, formatPercent(value)));
}
