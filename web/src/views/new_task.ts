// The new-task view: pick or drop a dataset, see its preview and checks, set options, upload.
import { h, replace } from "../dom";
import { app, revokeThumbs } from "../state";
import { dropzoneOf } from "./new_task/dropzone";
import { startUpload } from "./new_task/upload";
import { createNewTaskView } from "./new_task/view";

export function showNew(view: HTMLElement): void {
  revokeThumbs();
  app.backbones.kind = null;
  const v = createNewTaskView();
  const dropzone = dropzoneOf(v);
  v.startButton.addEventListener("click", () => void startUpload(v));
  replace(
    view,
    h("h2", null, "New training task"),
    h(
      "p",
      { class: "lead" },
      "Pick a folder with one sub-folder per class of images (for example ",
      h("code", null, "pets/cat/…"),
      ", ",
      h("code", null, "pets/dog/…"),
      "), a zip of such a folder, or a CSV of ",
      h("code", null, "text,label"),
      " rows.",
    ),
    dropzone,
    v.preview,
    v.options,
    h("div", { class: "actions" }, v.startButton),
    v.status,
  );
}
