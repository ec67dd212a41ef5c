// The new-task view's elements and state, shared by its parts (dropzone, preview, upload).
import { h } from "../../dom";
import type { NewTaskState } from "../../state";
import { optionsPanel } from "./options";

export interface NewTaskView {
  state: NewTaskState;
  folderInput: HTMLInputElement;
  fileInput: HTMLInputElement;
  preview: HTMLElement;
  status: HTMLElement;
  startButton: HTMLButtonElement;
  options: HTMLElement;
}

export function createNewTaskView(): NewTaskView {
  const folderInput = h("input", {
    type: "file",
    id: "folder-input",
    class: "visually-hidden",
    multiple: true,
    webkitdirectory: true,
    "data-testid": "folder-input",
    tabindex: "-1",
  });
  const fileInput = h("input", {
    type: "file",
    id: "file-input",
    class: "visually-hidden",
    accept: ".zip,.csv,application/zip,text/csv",
    "data-testid": "file-input",
    tabindex: "-1",
  });
  return {
    state: { selection: null, busy: false },
    folderInput,
    fileInput,
    preview: h("div", { class: "preview", "data-testid": "preview" }),
    status: h("div", { class: "upload-status", "aria-live": "polite", "data-testid": "upload-status" }),
    startButton: h("button", { type: "button", class: "primary", disabled: true, "data-testid": "start" }, "Start training"),
    options: optionsPanel(),
  };
}
