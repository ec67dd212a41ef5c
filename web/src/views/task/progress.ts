// Live progress of a task that has not ended (bar, epoch, ETA, live loss/accuracy, cancel), and
// why a task ended FAILED or CANCELLED.
import { api, taskError, type Task } from "../../api";
import { errorBox } from "../../components/error_box";
import { h, replace } from "../../dom";
import { describeError, formatPercent } from "../../format";
import type { TaskPage } from "./elements";
import { liveStats, progressFraction, progressLabel } from "./task_data";

/** Wires the cancel button: POST /cancel, then `render` the answer. */
export function wireCancel(page: TaskPage, render: (task: Task) => void): void {
  const button = page.cancelButton;
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Cancelling…";
    try {
      render(await api.cancelTask(page.state.id));
    } catch (err) {
      button.disabled = false;
      button.textContent = "Cancel training";
      replace(page.progressBox, errorBox("Could not cancel", describeError(err)));
    }
  });
}

export function renderLive(page: TaskPage, task: Task, terminal: boolean): void {
  if (terminal) {
    replace(page.live);
    return;
  }
  const fraction = progressFraction(task);
  replace(
    page.live,
    h(
      "div",
      { class: "progress-row big" },
      h("span", { class: "progress-label", "data-testid": "phase" }, progressLabel(task)),
      h("progress", { max: "1", value: String(fraction), "aria-label": "Training progress", "data-testid": "train-progress" }),
      h("span", { class: "progress-pct" }, formatPercent(fraction, 0)),
    ),
    h(
      "p",
      { class: "live-stats" },
      liveStats(task).map((text) => h("span", null, text)),
      task.cancel_requested ? h("span", { class: "warn-text" }, "cancel requested") : null,
    ),
    page.cancelButton,
  );
  page.cancelButton.disabled = Boolean(task.cancel_requested);
  if (task.cancel_requested) page.cancelButton.textContent = "Cancelling…";
}

/** The reason of a FAILED or CANCELLED task; nothing otherwise. */
export function renderOutcome(progressBox: HTMLElement, task: Task): void {
  if (task.status === "FAILED") {
    replace(
      progressBox,
      errorBox(
        "Training failed",
        taskError(task) ?? "The task failed without a reason.",
        "Fix the dataset or the options and start a new task; the reason above says what went wrong.",
      ),
    );
  } else if (task.status === "CANCELLED") {
    replace(progressBox, h("p", { class: "alert info", "data-testid": "cancelled" }, "This task was cancelled. ", taskError(task) ?? ""));
  } else {
    replace(progressBox);
  }
}
