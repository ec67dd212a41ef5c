// Where a dataset comes in: the folder and file pickers, and drag and drop of a folder, a zip or
// a CSV.
import { inputFilesFromEntries, inputFilesFromList } from "../../dataset";
import { planFolder } from "../../dataset_plan";
import { h } from "../../dom";
import { describeError } from "../../format";
import { setSelection, showSelectionError, takeFile } from "./selection";
import type { NewTaskView } from "./view";

export function dropzoneOf(v: NewTaskView): HTMLElement {
  const { folderInput, fileInput } = v;
  const dropzone = h(
    "div",
    { class: "dropzone", "data-testid": "dropzone" },
    h("p", { class: "drop-title" }, "Drop a folder, a .zip or a .csv here"),
    h("p", { class: "drop-sub" }, "or"),
    h(
      "div",
      { class: "pick-buttons" },
      h("button", { type: "button", class: "primary", onclick: () => folderInput.click() }, "Choose a folder…"),
      h("button", { type: "button", onclick: () => fileInput.click() }, "Choose a zip or CSV…"),
    ),
    folderInput,
    fileInput,
  );
  folderInput.addEventListener("change", () => {
    if (!folderInput.files || folderInput.files.length === 0) return;
    setSelection(v, { type: "folder", plan: planFolder(inputFilesFromList(folderInput.files)) });
  });
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void takeFile(v, file);
  });
  dropzone.addEventListener("dragover", (e) => {
    e.preventDefault();
    dropzone.classList.add("over");
  });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", async (e) => {
    e.preventDefault();
    dropzone.classList.remove("over");
    if (v.state.busy) return;
    if (e.dataTransfer) await takeDrop(v, e.dataTransfer);
  });
  return dropzone;
}

/** A drop: a folder (walked), one file, or a refusal of several. */
async function takeDrop(v: NewTaskView, dt: DataTransfer): Promise<void> {
  const entries = Array.from(dt.items ?? [])
    .map((item) => (item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null))
    .filter((x): x is FileSystemEntry => x !== null);
  try {
    if (entries.some((en) => en.isDirectory)) {
      setSelection(v, { type: "folder", plan: planFolder(await inputFilesFromEntries(entries)) });
    } else if (dt.files.length === 1) {
      await takeFile(v, dt.files[0]);
    } else if (dt.files.length > 1) {
      showSelectionError(v, "Drop one folder (with a sub-folder per class), one .zip or one .csv.");
    }
  } catch (err) {
    showSelectionError(v, describeError(err));
  }
}
