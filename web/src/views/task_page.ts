// The task view: loads the task, follows it live until it ends, and renders each section
// (views/task/*) on every update.
import { api, ApiError, followTask, isTerminal, type Task } from "../api";
import { errorBox } from "../components/error_box";
import { replace, h } from "../dom";
import { describeError } from "../format";
import { modelSearchSection } from "../modelsearch";
import { app } from "../state";
import { renderCharts } from "./task/charts_section";
import { recordLivePoint } from "./task/curve_data";
import { renderDatasetSummary } from "./task/dataset_summary";
import { downloadSection } from "./task/downloads";
import { createTaskPage, sectionsOf, type TaskPage } from "./task/elements";
import { renderEvaluation } from "./task/evaluation";
import { deleteButtonOf } from "./task/footer";
import { announcePhase, renderHeader } from "./task/header";
import { predictSection } from "./task/predict";
import { renderLive, renderOutcome, wireCancel } from "./task/progress";

export function showTask(view: HTMLElement, id: string, refreshHistory: () => void): void {
  const page = createTaskPage(id, app.uploadNotes.get(id));
  const deleteButton = deleteButtonOf(id, page.footer);
  const render = (task: Task) => renderTask(page, task, deleteButton, refreshHistory);
  wireCancel(page, render);
  replace(view, h("h2", { class: "visually-hidden" }, "Task"), ...sectionsOf(page));
  replace(page.head, h("p", { class: "muted" }, `Loading task ${id}…`));
  loadTask(page, render);
}

/** Renders every section for this state of the task. */
function renderTask(page: TaskPage, task: Task, deleteButton: HTMLElement, refreshHistory: () => void): void {
  const { state } = page;
  const terminal = isTerminal(task.status);
  renderHeader(page.head, task, app.session.me);
  announcePhase(page.announce, state, task);
  recordLivePoint(state.livePoints, task);
  renderLive(page, task, terminal);
  renderOutcome(page.progressBox, task);
  renderCharts(page.charts, task, state.livePoints, terminal);
  renderEvaluation(page.evaluation, task);
  replace(page.searchBox, task.status === "COMPLETED" ? modelSearchSection(task.metrics) : null);
  renderDatasetSummary(page.datasetBox, task, terminal);
  if (task.status === "COMPLETED" && !state.finishedBuilt) {
    state.finishedBuilt = true;
    replace(page.finished, predictSection(task), downloadSection(task));
  }
  if (task.status !== state.lastStatus) {
    if (state.lastStatus !== "") refreshHistory();
    state.lastStatus = task.status;
    if (terminal) replace(page.footer, deleteButton);
    else replace(page.footer);
  }
}

/** GET the task, render it, and follow it while it runs (only while it is still the one open). */
function loadTask(page: TaskPage, render: (task: Task) => void): void {
  const id = page.state.id;
  api
    .getTask(id)
    .then((task) => {
      if (app.currentTaskId !== id) return;
      render(task);
      if (!isTerminal(task.status)) {
        app.follower = followTask(id, (t) => app.currentTaskId === id && render(t), (err) => {
          if (app.currentTaskId === id) replace(page.progressBox, errorBox("Lost track of the task", describeError(err)));
        });
      }
    })
    .catch((err) => {
      const notFound = err instanceof ApiError && err.status === 404;
      replace(
        page.head,
        errorBox(
          notFound ? "No such task" : "Could not load the task",
          describeError(err),
          notFound ? "It may have been deleted. Pick one from the list of past tasks, or start a new one." : undefined,
        ),
      );
    });
}
