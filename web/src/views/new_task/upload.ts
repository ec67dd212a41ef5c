// Start training: resize and zip a folder (or take the zip / CSV as it is), upload it with
// progress, then open the new task's page.
import { uploadTask } from "../../api";
import { errorBox } from "../../components/error_box";
import { progressRow } from "../../components/progress_row";
import { buildImageZip } from "../../dataset";
import type { ImagePlan } from "../../dataset_plan";
import { replace } from "../../dom";
import { describeError, formatBytes } from "../../format";
import { MODEL_SIZE } from "../../resize";
import { taskHash } from "../../routes";
import { app, type Selection } from "../../state";
import { readOptions } from "./options";
import { fileUploadNote, folderUploadNote, uploadFilename, uploadingLabel } from "./upload_data";
import type { NewTaskView } from "./view";

interface Prepared {
  blob: Blob;
  filename: string;
  kind: string;
  note: string;
}

export async function startUpload(v: NewTaskView): Promise<void> {
  const sel = v.state.selection;
  if (!sel || v.state.busy) return;
  setBusy(v, true);
  try {
    const prepared = sel.type === "folder" ? await prepareFolder(v, sel.plan) : prepareFile(sel);
    const upload = uploadTask(prepared.blob, prepared.filename, prepared.kind, readOptions(v.options, v.state.selection), (loaded, total) =>
      replace(v.status, progressRow(uploadingLabel(loaded, total), loaded, total, "upload-progress")),
    );
    replace(v.status, progressRow(`Uploading ${formatBytes(prepared.blob.size)}…`, null, 1, "upload-progress"));
    const task = await upload.promise;
    app.uploadNotes.set(task.id, prepared.note);
    v.state.busy = false;
    location.hash = taskHash(task.id);
  } catch (err) {
    setBusy(v, false);
    replace(v.status, errorBox("The upload was refused", describeError(err), "Fix the dataset or the options and try again."));
  }
}

function setBusy(v: NewTaskView, busy: boolean): void {
  v.state.busy = busy;
  v.startButton.disabled = busy;
  v.folderInput.disabled = busy;
  v.fileInput.disabled = busy;
}

async function prepareFolder(v: NewTaskView, plan: ImagePlan): Promise<Prepared> {
  const built = await buildImageZip(plan, (p) =>
    replace(v.status, progressRow(`Resizing images to ${MODEL_SIZE}×${MODEL_SIZE}: ${p.done} / ${p.total}`, p.done, p.total)),
  );
  return { blob: built.blob, filename: uploadFilename(plan.rootName), kind: "image", note: folderUploadNote(built, built.blob.size) };
}

function prepareFile(sel: Exclude<Selection, { type: "folder" }>): Prepared {
  return {
    blob: sel.file,
    filename: sel.file.name,
    kind: sel.type === "csv" ? "text" : "image",
    note: fileUploadNote(sel.file.name, sel.file.size),
  };
}
