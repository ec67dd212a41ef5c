// The past-tasks panel: newest first, a page of PAGE at a time, the open task marked.
import { api, type Task, type TaskList } from "../api";
import { errorBox } from "../components/error_box";
import { statusBadge } from "../components/status_badge";
import { h, replace, type Child } from "../dom";
import { describeError, formatDate, formatPercent, num } from "../format";
import { taskHash } from "../routes";
import { app } from "../state";
import { classSummary, PAGE, pageOffset, pagerOf } from "./history_data";

export async function renderHistory(panel: HTMLElement): Promise<void> {
  const seq = ++app.history.seq;
  const title = h("h2", { id: "history-title" }, "Past tasks");
  const refresh = h("button", { type: "button", class: "small", onclick: () => void renderHistory(panel) }, "Refresh");
  let body: Child;
  try {
    const page = await api.listTasks(PAGE, app.history.offset);
    if (seq !== app.history.seq) return;
    if (page.tasks.length === 0 && app.history.offset > 0) {
      app.history.offset = 0;
      return renderHistory(panel);
    }
    body = historyBody(panel, page);
  } catch (err) {
    if (seq !== app.history.seq) return;
    body = errorBox("Could not list tasks", describeError(err));
  }
  replace(panel, h("div", { class: "history-head" }, title, refresh), body);
}

function historyBody(panel: HTMLElement, page: TaskList): Child {
  if (page.tasks.length === 0) return h("p", { class: "muted" }, "No tasks yet. Your trainings will be listed here.");
  return [h("ul", { class: "task-list", "data-testid": "task-list" }, page.tasks.map(taskItem)), pager(panel, page.total)];
}

function taskItem(t: Task): HTMLElement {
  const acc = num(t.metrics?.val_accuracy);
  const current = t.id === app.currentTaskId;
  return h(
    "li",
    { class: `task-item${current ? " current" : ""}` },
    h(
      "a",
      { href: taskHash(t.id), "aria-current": current ? "page" : null, "data-testid": "task-link" },
      h("span", { class: "task-item-top" }, statusBadge(t.status), h("span", { class: "kind" }, t.kind), acc !== undefined ? h("span", { class: "acc" }, `${formatPercent(acc)} acc.`) : null),
      h("span", { class: "task-item-name" }, t.dataset?.name ?? t.id),
      h("span", { class: "task-item-sub" }, classSummary(t.classes ?? [])),
      h("span", { class: "task-item-date" }, formatDate(t.created_at)),
    ),
  );
}

function pager(panel: HTMLElement, total: number): HTMLElement | null {
  const p = pagerOf(app.history.offset, total);
  if (!p) return null;
  const go = (direction: "newer" | "older") => () => {
    app.history.offset = pageOffset(app.history.offset, direction);
    void renderHistory(panel);
  };
  return h(
    "div",
    { class: "pager" },
    h("button", { type: "button", class: "small", disabled: p.first, onclick: go("newer") }, "Newer"),
    h("span", null, p.label),
    h("button", { type: "button", class: "small", disabled: p.last, onclick: go("older") }, "Older"),
  );
}
