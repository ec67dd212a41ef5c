// The page's frame: header (brand, nav, server status), the view and the past-tasks panel, footer.
import { api } from "./api";
import { h, replace } from "./dom";

export interface Layout {
  /** Where the current view (new task or a task) renders. */
  view: HTMLElement;
  /** The past-tasks panel beside it. */
  history: HTMLElement;
  serverStatus: HTMLElement;
}

export function mountLayout(root: HTMLElement): Layout {
  const serverStatus = h("span", { class: "server-status", "data-testid": "server-status" }, "checking server…");
  const view = h("section", { class: "view", "aria-live": "off" });
  const history = h("aside", { class: "history", "aria-labelledby": "history-title" });
  replace(
    root,
    h(
      "header",
      { class: "top" },
      h("a", { class: "brand", href: "#/" }, h("span", { class: "logo", "aria-hidden": "true" }, "▣"), "trainbox"),
      h("nav", { "aria-label": "Main" }, h("a", { href: "#/" }, "New task"), h("a", { href: "#history-title" }, "Past tasks")),
      serverStatus,
    ),
    h("main", { id: "main", class: "layout" }, view, history),
    h("footer", { class: "foot" }, "trainbox — train image and text classifiers on your own machine."),
  );
  return { view, history, serverStatus };
}

/** Asks GET /health and shows the answer in the header. */
export function checkServer(serverStatus: HTMLElement): void {
  api
    .health()
    .then((r) => {
      serverStatus.textContent = `server ${r.status}${r.version ? ` · v${r.version}` : ""}`;
      serverStatus.classList.add("ok");
    })
    .catch(() => {
      serverStatus.textContent = "server unreachable";
      serverStatus.classList.add("bad");
    });
}
