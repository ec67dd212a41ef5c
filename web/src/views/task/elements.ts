// A task view's sections, in page order, and its state. Each section file renders into its own.
import { h } from "../../dom";
import { newTaskPageState, type TaskPageState } from "../../state";

export interface TaskPage {
  state: TaskPageState;
  head: HTMLElement;
  /** Set when this page was opened by an upload ("Uploaded … for 60 images"). */
  note: HTMLElement | null;
  /** Screen-reader announcement of phase changes. */
  announce: HTMLElement;
  live: HTMLElement;
  cancelButton: HTMLButtonElement;
  progressBox: HTMLElement;
  charts: HTMLElement;
  evaluation: HTMLElement;
  searchBox: HTMLElement;
  datasetBox: HTMLElement;
  finished: HTMLElement;
  footer: HTMLElement;
}

export function createTaskPage(id: string, note: string | undefined): TaskPage {
  return {
    state: newTaskPageState(id),
    head: h("div", { class: "task-head" }),
    note: note ? h("p", { class: "alert info", "data-testid": "upload-note" }, note) : null,
    live: h("div", { class: "live", "data-testid": "live" }),
    announce: h("p", { class: "visually-hidden", "aria-live": "polite" }),
    cancelButton: h("button", { type: "button", class: "danger", "data-testid": "cancel" }, "Cancel training"),
    progressBox: h("div", { class: "progress-box" }),
    charts: h("div", { class: "charts", "data-testid": "charts" }),
    evaluation: h("div", { class: "evaluation", "data-testid": "evaluation" }),
    searchBox: h("div", { class: "search-box" }),
    datasetBox: h("div", { class: "dataset-box" }),
    finished: h("div", { class: "finished" }),
    footer: h("div", { class: "task-foot" }),
  };
}

/** The sections in the order they appear. */
export function sectionsOf(page: TaskPage): (HTMLElement | null)[] {
  return [page.head, page.note, page.announce, page.live, page.progressBox, page.charts, page.evaluation, page.searchBox, page.datasetBox, page.finished, page.footer];
}
