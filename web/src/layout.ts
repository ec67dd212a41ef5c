// The page's frame: header (brand, nav, server status, who is signed in), notices (the admin's
// one-time token), the sign-in view or the app (the view and the past-tasks panel), footer.
import { api } from "./api";
import { h, replace } from "./dom";

export interface Layout {
  /** Where the current view (new task or a task) renders. */
  view: HTMLElement;
  /** The past-tasks panel beside it. */
  history: HTMLElement;
  serverStatus: HTMLElement;
  /** Who is signed in and the Sign out button (empty without accounts). */
  account: HTMLElement;
  /** Messages above the app: the admin token panel, a refused sign-in link. */
  notices: HTMLElement;
  /** The app: the view and the past-tasks panel (hidden while the sign-in view shows). */
  appArea: HTMLElement;
  /** Where the sign-in view renders (hidden while the app shows). */
  gate: HTMLElement;
}

export function mountLayout(root: HTMLElement): Layout {
  const serverStatus = h("span", { class: "server-status", "data-testid": "server-status" }, "checking server…");
  const view = h("section", { class: "view", "aria-live": "off" });
  const history = h("aside", { class: "history", "aria-labelledby": "history-title" });
  const account = h("span", { class: "account-slot" });
  const notices = h("div", { class: "notices", "data-testid": "notices" });
  // Both hidden until GET /me says which one to show.
  const appArea = h("div", { class: "layout", hidden: true }, view, history);
  const gate = h("div", { class: "gate", hidden: true });
  replace(
    root,
    h(
      "header",
      { class: "top" },
      h("a", { class: "brand", href: "#/" }, h("span", { class: "logo", "aria-hidden": "true" }, "▣"), "trainbox"),
      h("nav", { "aria-label": "Main" }, h("a", { href: "#/" }, "New task"), h("a", { href: "#history-title" }, "Past tasks")),
      serverStatus,
      account,
    ),
    h("main", { id: "main" }, notices, gate, appArea),
    h("footer", { class: "foot" }, "trainbox — train image and text classifiers on your own machine."),
  );
  return { view, history, serverStatus, account, notices, appArea, gate };
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
