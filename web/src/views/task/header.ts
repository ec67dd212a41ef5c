// The task's title (kind, id, status badge) and facts (dataset, dates, worker, owner for an admin,
// classes), and the screen-reader announcement of its phase.
import type { Me, Task } from "../../api";
import { statusBadge } from "../../components/status_badge";
import { h, replace } from "../../dom";
import { formatDate } from "../../format";
import type { TaskPageState } from "../../state";
import { ownerText, statusAnnouncement, workerText } from "./task_data";

export function renderHeader(head: HTMLElement, task: Task, viewer: Me | null): void {
  const classes = task.classes ?? [];
  const owner = ownerText(task, viewer);
  replace(
    head,
    h(
      "div",
      { class: "task-title" },
      h("h2", null, `${task.kind === "text" ? "Text" : "Image"} task `, h("code", { "data-testid": "task-id" }, task.id)),
      statusBadge(task.status),
    ),
    h(
      "dl",
      { class: "meta" },
      h("div", null, h("dt", null, "Dataset"), h("dd", null, task.dataset?.name ?? "—")),
      h("div", null, h("dt", null, "Created"), h("dd", null, formatDate(task.created_at))),
      task.finished_at ? h("div", null, h("dt", null, "Finished"), h("dd", null, formatDate(task.finished_at))) : null,
      task.worker_id
        ? h("div", null, h("dt", null, "Worker"), h("dd", { "data-testid": "task-worker" }, workerText(task)))
        : null,
      owner ? h("div", null, h("dt", null, "Owner"), h("dd", { "data-testid": "task-owner" }, owner)) : null,
      classes.length ? h("div", null, h("dt", null, "Classes"), h("dd", { class: "class-list" }, classes.join(", "))) : null,
    ),
  );
}

/** Tells a screen reader when the phase changes (not on every progress update). */
export function announcePhase(announce: HTMLElement, state: TaskPageState, task: Task): void {
  const { phase, text } = statusAnnouncement(task);
  if (phase === state.lastPhase) return;
  state.lastPhase = phase;
  announce.textContent = text;
}
