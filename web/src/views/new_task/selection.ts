// What was picked or dropped: a folder (planned here), a zip or a CSV (summarised), or an error.
import { errorBox } from "../../components/error_box";
import { summariseCsv, summariseZip } from "../../dataset";
import { replace } from "../../dom";
import { revokeThumbs, app, type Selection } from "../../state";
import { refreshBackboneList } from "./backbones";
import { renderPreview } from "./preview";
import { selectionBlocked, selectionKind } from "./upload_data";
import type { NewTaskView } from "./view";

export function setSelection(v: NewTaskView, sel: Selection | null): void {
  v.state.selection = sel;
  revokeThumbs();
  replace(v.status);
  renderPreview(v.preview, sel);
  v.startButton.disabled = v.state.busy || selectionBlocked(sel);
  v.options.classList.toggle("is-text", sel?.type === "csv");
  app.backbones.kind = selectionKind(sel);
  refreshBackboneList();
}

export function showSelectionError(v: NewTaskView, message: string): void {
  v.state.selection = null;
  renderPreview(v.preview, null);
  replace(v.status, errorBox("Could not read your selection", message));
  v.startButton.disabled = true;
}

/** A picked or dropped file: a .zip or a .csv by its name, anything else is refused. */
export async function takeFile(v: NewTaskView, file: File): Promise<void> {
  const name = file.name.toLowerCase();
  if (name.endsWith(".zip")) {
    setSelection(v, { type: "zip", file, summary: await summariseZip(file) });
  } else if (name.endsWith(".csv")) {
    setSelection(v, { type: "csv", file, summary: await summariseCsv(file) });
  } else {
    showSelectionError(v, `“${file.name}” is neither a folder, a .zip nor a .csv. Drop the folder that holds one sub-folder per class.`);
  }
}
