import { h } from "../dom";

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge ${status.toLowerCase()}`, "data-testid": "status" }, status);
}
