import "./style.css";
import { api, ApiError, followTask, isTerminal, taskError, uploadTask, type Backbone, type Follower, type Task } from "./api";
import { lineChart, scoreBars } from "./charts";
import {
  buildImageZip,
  inputFilesFromEntries,
  inputFilesFromList,
  planFolder,
  summariseCsv,
  summariseZip,
  type CsvSummary,
  type ImagePlan,
  type Issue,
  type ZipSummary,
} from "./dataset";
import { formatBytes, formatDate, formatDuration, formatPercent, h, replace, type Child } from "./dom";
import { IMAGE_MODELS, modelSearchSection, noCurveNote, TEXT_MODELS } from "./modelsearch";
import { decodeSquare, encodeImage, resizeRule, resizeToPixels, MODEL_SIZE } from "./resize";
import { snippets } from "./snippets";
import { confusionExplorer } from "./validation";

// Exposed for the browser tests (the resize-rule comparison) and for curious users.
(window as unknown as { trainbox: unknown }).trainbox = { resizeRule, resizeToPixels, decodeSquare, encodeImage };

// ---------------------------------------------------------------------------------------------
// Layout

const root = document.getElementById("app")!;
const serverStatus = h("span", { class: "server-status", "data-testid": "server-status" }, "checking server…");
const view = h("section", { class: "view", "aria-live": "off" });
const historyPanel = h("aside", { class: "history", "aria-labelledby": "history-title" });
replace(
  root,
  h(
    "header",
    { class: "top" },
    h("a", { class: "brand", href: "#/" }, h("span", { class: "logo", "aria-hidden": "true" }, "▣"), "trainbox"),
    h("nav", { "aria-label": "Main" }, h("a", { href: "#/" }, "New task"), h("a", { href: "#history-title" }, "Past tasks")),
    serverStatus,
  ),
  h("main", { id: "main", class: "layout" }, view, historyPanel),
  h("footer", { class: "foot" }, "trainbox — train image and text classifiers on your own machine."),
);

api
  .health()
  .then((r) => {
    serverStatus.textContent = `server ${r.status}${r.version ? ` · v${r.version}` : ""}`;
    serverStatus.classList.add("ok");
  })
  .catch(() => {
    serverStatus.textContent = "server unreachable";
    serverStatus.classList.add("bad");
  });

function issueList(issues: Issue[]): HTMLElement | null {
  if (issues.length === 0) return null;
  return h(
    "ul",
    { class: "issues", "data-testid": "issues" },
    issues.map((i) =>
      h(
        "li",
        { class: `issue ${i.level}` },
        h("strong", null, i.level === "error" ? "Error: " : "Warning: "),
        i.message,
      ),
    ),
  );
}

function errorBox(title: string, message: string, hint?: string): HTMLElement {
  return h(
    "div",
    { class: "alert error", role: "alert", "data-testid": "error" },
    h("strong", null, title),
    h("p", { class: "error-message" }, message),
    hint ? h("p", { class: "hint" }, hint) : null,
  );
}

function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

// ---------------------------------------------------------------------------------------------
// Routing

let follower: Follower | null = null;
let currentTaskId: string | null = null;
const uploadNotes = new Map<string, string>();

function route(): void {
  // In-page anchors (#main, #history-title) are not routes: leave the current view alone.
  if (location.hash.length > 1 && !location.hash.startsWith("#/") && view.childElementCount > 0) return;
  follower?.stop();
  follower = null;
  const match = /^#\/tasks\/([^/?#]+)/.exec(location.hash);
  if (match) {
    currentTaskId = decodeURIComponent(match[1]);
    showTask(currentTaskId);
  } else {
    currentTaskId = null;
    showNew();
  }
  void renderHistory();
}

window.addEventListener("hashchange", route);

// ---------------------------------------------------------------------------------------------
// New task: pick, preview, options, upload

type Selection =
  | { type: "folder"; plan: ImagePlan }
  | { type: "zip"; file: File; summary: ZipSummary }
  | { type: "csv"; file: File; summary: CsvSummary };

let objectUrls: string[] = [];
function revokeThumbs(): void {
  objectUrls.forEach((u) => URL.revokeObjectURL(u));
  objectUrls = [];
}

function numberField(id: string, label: string, attrs: Record<string, string>, help: string): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, type: "number", inputmode: "decimal", ...attrs, "aria-describedby": `${id}-help` }),
    h("small", { id: `${id}-help` }, help),
  );
}

let installedBackbones: Backbone[] = [];
let serverBuiltins: string[] = [];
let backboneKind: "image" | "text" | null = null;

function showNew(): void {
  revokeThumbs();
  backboneKind = null;
  let selection: Selection | null = null;
  let busy = false;

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
  const preview = h("div", { class: "preview", "data-testid": "preview" });
  const status = h("div", { class: "upload-status", "aria-live": "polite", "data-testid": "upload-status" });
  const startButton = h("button", { type: "button", class: "primary", disabled: true, "data-testid": "start" }, "Start training");

  const options = h(
    "details",
    { class: "advanced" },
    h("summary", null, "Advanced options"),
    h(
      "div",
      { class: "fields" },
      numberField("opt-epochs", "Epochs", { min: "1", max: "500", step: "1", placeholder: "automatic" }, "Passes over the data (1–500). Empty: chosen for you."),
      numberField("opt-time", "Time budget (seconds)", { min: "1", max: "21600", step: "1", placeholder: "automatic" }, "Training stops when this time is spent."),
      h(
        "div",
        { class: "field" },
        h("label", { for: "opt-backbone" }, "Backbone"),
        h("input", { id: "opt-backbone", type: "text", list: "backbones", placeholder: "auto", autocomplete: "off", "aria-describedby": "opt-backbone-help" }),
        h("datalist", { id: "backbones", "data-testid": "backbone-options" }, backboneOptions()),
        h(
          "small",
          { id: "opt-backbone-help" },
          "auto tries every candidate and keeps the best on validation. Or name one: images kernel_rbf, tiny_cnn, cnn_224 or an installed backbone; texts tfidf_linear or embedding.",
        ),
      ),
      numberField("opt-val", "Validation fraction", { min: "0.05", max: "0.5", step: "0.05", placeholder: "0.2" }, "Share of each class kept aside to measure accuracy (0.05–0.5)."),
      numberField("opt-seed", "Seed", { min: "0", step: "1", placeholder: "automatic" }, "Same seed, same split and same result."),
      h(
        "div",
        { class: "field text-only" },
        h("label", { for: "opt-text-col" }, "Text column (CSV)"),
        h("input", { id: "opt-text-col", type: "text", placeholder: "text", autocomplete: "off" }),
      ),
      h(
        "div",
        { class: "field text-only" },
        h("label", { for: "opt-label-col" }, "Label column (CSV)"),
        h("input", { id: "opt-label-col", type: "text", placeholder: "label", autocomplete: "off" }),
      ),
    ),
  );

  const readOptions = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const num = (id: string, key: string) => {
      const v = (options.querySelector(`#${id}`) as HTMLInputElement).value.trim();
      if (v !== "" && Number.isFinite(Number(v))) out[key] = Number(v);
    };
    const str = (id: string, key: string) => {
      const v = (options.querySelector(`#${id}`) as HTMLInputElement).value.trim();
      if (v !== "") out[key] = v;
    };
    num("opt-epochs", "epochs");
    num("opt-time", "time_budget_s");
    str("opt-backbone", "backbone");
    num("opt-val", "val_fraction");
    num("opt-seed", "seed");
    if (selection?.type === "csv") {
      str("opt-text-col", "text_column");
      str("opt-label-col", "label_column");
    }
    return out;
  };

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

  const setSelection = (sel: Selection | null) => {
    selection = sel;
    revokeThumbs();
    replace(status);
    renderPreview();
    const issues = !sel ? [] : sel.type === "folder" ? sel.plan.issues : [];
    const blocked = !sel || issues.some((i) => i.level === "error");
    (startButton as HTMLButtonElement).disabled = busy || blocked;
    options.classList.toggle("is-text", sel?.type === "csv");
    backboneKind = !sel ? null : sel.type === "csv" ? "text" : "image";
    const list = document.getElementById("backbones");
    if (list) replace(list, ...backboneOptions());
  };

  const renderPreview = () => {
    const sel = selection;
    if (!sel) {
      replace(preview);
      return;
    }
    if (sel.type === "folder") {
      const plan = sel.plan;
      const counts = plan.classes.map((c) => c.images.length);
      replace(
        preview,
        h("h3", null, `${plan.images.length} images in ${plan.classes.length} ${plan.classes.length === 1 ? "class" : "classes"}`),
        h(
          "p",
          { class: "muted" },
          plan.rootName ? `Folder “${plan.rootName}”, ` : "",
          `${formatBytes(plan.totalBytes)}. Each image will be cropped to its centred square and resized to ${MODEL_SIZE}×${MODEL_SIZE} in this browser before upload.`,
          plan.split ? " A train/ and val/ split was found and will be kept." : "",
        ),
        issueList(plan.issues),
        h(
          "ul",
          { class: "class-grid", "data-testid": "class-grid" },
          plan.classes.map((c, idx) =>
            h(
              "li",
              { class: "class-card" },
              h(
                "div",
                { class: "class-head" },
                h("span", { class: "class-name", "data-testid": "class-name", title: c.name }, c.name),
                h("span", { class: `class-count${counts[idx] < 2 ? " bad" : counts[idx] < 10 ? " warn" : ""}` }, `${c.images.length}`),
              ),
              h(
                "div",
                { class: "thumbs" },
                c.images.slice(0, 4).map((img) => {
                  const url = URL.createObjectURL(img.file);
                  objectUrls.push(url);
                  return h("img", { src: url, alt: `${c.name}: ${img.file.name}`, loading: "lazy", decoding: "async", width: 56, height: 56 });
                }),
              ),
            ),
          ),
        ),
      );
    } else if (sel.type === "zip") {
      const s = sel.summary;
      replace(
        preview,
        h("h3", null, `Archive ${sel.file.name}`),
        h(
          "p",
          { class: "muted" },
          `${formatBytes(sel.file.size)}, sent as is.`,
          s.readable ? ` ${s.classes.reduce((a, c) => a + c.count, 0)} images in ${s.classes.length} class folders.` : "",
        ),
        issueList(s.issues),
        s.classes.length ? countList(s.classes) : null,
      );
    } else {
      const s = sel.summary;
      replace(
        preview,
        h("h3", null, `Text dataset ${sel.file.name}`),
        h(
          "p",
          { class: "muted" },
          `${formatBytes(sel.file.size)}, ${s.rows} rows; columns: ${s.columns.join(", ")}.`,
          s.labelColumn ? ` Labels read from “${s.labelColumn}”.` : "",
        ),
        issueList(s.issues),
        s.classes.length ? countList(s.classes.slice(0, 50)) : null,
      );
    }
  };

  const showSelectionError = (message: string) => {
    selection = null;
    renderPreview();
    replace(status, errorBox("Could not read your selection", message));
    (startButton as HTMLButtonElement).disabled = true;
  };

  const takeFile = async (file: File) => {
    const name = file.name.toLowerCase();
    if (name.endsWith(".zip")) {
      setSelection({ type: "zip", file, summary: await summariseZip(file) });
    } else if (name.endsWith(".csv")) {
      setSelection({ type: "csv", file, summary: await summariseCsv(file) });
    } else {
      showSelectionError(`“${file.name}” is neither a folder, a .zip nor a .csv. Drop the folder that holds one sub-folder per class.`);
    }
  };

  folderInput.addEventListener("change", () => {
    if (!folderInput.files || folderInput.files.length === 0) return;
    setSelection({ type: "folder", plan: planFolder(inputFilesFromList(folderInput.files)) });
  });
  fileInput.addEventListener("change", () => {
    const file = fileInput.files?.[0];
    if (file) void takeFile(file);
  });

  dropzone.addEventListener("dragover", (e) => {
    e.preventDefault();
    dropzone.classList.add("over");
  });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", async (e) => {
    e.preventDefault();
    dropzone.classList.remove("over");
    if (busy) return;
    const dt = e.dataTransfer;
    if (!dt) return;
    const entries = Array.from(dt.items ?? [])
      .map((item) => (item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null))
      .filter((x): x is FileSystemEntry => x !== null);
    try {
      if (entries.some((en) => en.isDirectory)) {
        setSelection({ type: "folder", plan: planFolder(await inputFilesFromEntries(entries)) });
      } else if (dt.files.length === 1) {
        await takeFile(dt.files[0]);
      } else if (dt.files.length > 1) {
        showSelectionError("Drop one folder (with a sub-folder per class), one .zip or one .csv.");
      }
    } catch (err) {
      showSelectionError(describeError(err));
    }
  });

  startButton.addEventListener("click", () => void start());

  const progressRow = (label: string, value: number | null, max = 1, testid = "") =>
    h(
      "div",
      { class: "progress-row" },
      h("span", { class: "progress-label" }, label),
      h("progress", { max: String(max), value: value === null ? null : String(value), "data-testid": testid || null, "aria-label": label }),
    );

  const start = async () => {
    const sel = selection;
    if (!sel || busy) return;
    busy = true;
    (startButton as HTMLButtonElement).disabled = true;
    folderInput.disabled = true;
    fileInput.disabled = true;
    try {
      let blob: Blob;
      let filename: string;
      let kind: string;
      let note = "";
      if (sel.type === "folder") {
        const built = await buildImageZip(sel.plan, (p) =>
          replace(status, progressRow(`Resizing images to ${MODEL_SIZE}×${MODEL_SIZE}: ${p.done} / ${p.total}`, p.done, p.total)),
        );
        if (built.failed.length > 0) {
          note = `${built.failed.length} image(s) could not be read by the browser and were left out: ${built.failed.slice(0, 5).join(", ")}${built.failed.length > 5 ? "…" : ""}. `;
        }
        blob = built.blob;
        filename = `${(sel.plan.rootName || "dataset").replace(/[^\w.-]+/g, "_")}.zip`;
        kind = "image";
        const saved = built.originalBytes - blob.size;
        note += `Uploaded ${formatBytes(blob.size)} for ${built.imageCount} images (${formatBytes(built.originalBytes)} of originals${saved > 0 ? `; resizing saved ${formatBytes(saved)}, ${Math.round((saved / Math.max(1, built.originalBytes)) * 100)}%` : ""}).`;
      } else {
        blob = sel.file;
        filename = sel.file.name;
        kind = sel.type === "csv" ? "text" : "image";
        note = `Uploaded ${sel.file.name} (${formatBytes(sel.file.size)}) as is.`;
      }
      const upload = uploadTask(blob, filename, kind, readOptions(), (loaded, total) =>
        replace(
          status,
          progressRow(`Uploading: ${formatBytes(loaded)} of ${formatBytes(total)} (${Math.round((loaded / total) * 100)}%)`, loaded, total, "upload-progress"),
        ),
      );
      replace(status, progressRow(`Uploading ${formatBytes(blob.size)}…`, null, 1, "upload-progress"));
      const task = await upload.promise;
      uploadNotes.set(task.id, note);
      busy = false;
      location.hash = `#/tasks/${encodeURIComponent(task.id)}`;
    } catch (err) {
      busy = false;
      folderInput.disabled = false;
      fileInput.disabled = false;
      (startButton as HTMLButtonElement).disabled = false;
      replace(status, errorBox("The upload was refused", describeError(err), "Fix the dataset or the options and try again."));
    }
  };

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
    preview,
    options,
    h("div", { class: "actions" }, startButton),
    status,
  );
}

function countList(classes: { name: string; count: number }[]): HTMLElement {
  return h(
    "ul",
    { class: "class-grid compact", "data-testid": "class-grid" },
    classes.map((c) =>
      h(
        "li",
        { class: "class-card" },
        h(
          "div",
          { class: "class-head" },
          h("span", { class: "class-name", "data-testid": "class-name", title: c.name }, c.name),
          h("span", { class: `class-count${c.count < 2 ? " bad" : c.count < 10 ? " warn" : ""}` }, String(c.count)),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Task view: live progress, curves, evaluation, predict, download

interface LivePoint {
  loss?: number;
  accuracy?: number;
}

function phaseName(phase: string | undefined): string {
  if (!phase) return "";
  const p = phase.replace(/[_-]+/g, " ");
  return p.charAt(0).toUpperCase() + p.slice(1);
}

function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge ${status.toLowerCase()}`, "data-testid": "status" }, status);
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function showTask(id: string): void {
  const head = h("div", { class: "task-head" });
  const note = uploadNotes.get(id);
  const noteEl = note ? h("p", { class: "alert info", "data-testid": "upload-note" }, note) : null;
  const live = h("div", { class: "live", "data-testid": "live" });
  const announce = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const cancelButton = h("button", { type: "button", class: "danger", "data-testid": "cancel" }, "Cancel training");
  const progressBox = h("div", { class: "progress-box" });
  const charts = h("div", { class: "charts", "data-testid": "charts" });
  const evaluation = h("div", { class: "evaluation", "data-testid": "evaluation" });
  const searchBox = h("div", { class: "search-box" });
  const datasetBox = h("div", { class: "dataset-box" });
  const finished = h("div", { class: "finished" });
  const footer = h("div", { class: "task-foot" });
  const livePoints = new Map<number, LivePoint>();
  let lastStatus = "";
  let finishedBuilt = false;
  let lastPhase = "";

  cancelButton.addEventListener("click", async () => {
    (cancelButton as HTMLButtonElement).disabled = true;
    cancelButton.textContent = "Cancelling…";
    try {
      render(await api.cancelTask(id));
    } catch (err) {
      (cancelButton as HTMLButtonElement).disabled = false;
      cancelButton.textContent = "Cancel training";
      replace(progressBox, errorBox("Could not cancel", describeError(err)));
    }
  });

  const deleteButton = h("button", { type: "button", class: "link danger-text" }, "Delete this task");
  deleteButton.addEventListener("click", async () => {
    if (!confirm("Delete this task, its dataset and its model?")) return;
    try {
      await api.deleteTask(id);
      location.hash = "#/";
    } catch (err) {
      replace(footer, errorBox("Could not delete", describeError(err)));
    }
  });

  replace(
    view,
    h("h2", { class: "visually-hidden" }, "Task"),
    head,
    noteEl,
    announce,
    live,
    progressBox,
    charts,
    evaluation,
    searchBox,
    datasetBox,
    finished,
    footer,
  );
  replace(head, h("p", { class: "muted" }, `Loading task ${id}…`));

  const render = (task: Task) => {
    const terminal = isTerminal(task.status);
    const classes = task.classes ?? [];
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
        classes.length ? h("div", null, h("dt", null, "Classes"), h("dd", { class: "class-list" }, classes.join(", "))) : null,
      ),
    );

    const phaseText = task.status === "RUNNING" ? phaseName(task.progress?.phase) || "Running" : task.status;
    if (phaseText !== lastPhase) {
      lastPhase = phaseText;
      announce.textContent = `Task ${task.status.toLowerCase()}${task.status === "RUNNING" ? `: ${phaseText}` : ""}`;
    }

    // Live progress.
    const p = task.progress ?? {};
    const liveVals = p.live ?? {};
    if (task.status === "RUNNING" && num(p.epoch) && (num(liveVals.loss) !== undefined || num(liveVals.accuracy) !== undefined)) {
      livePoints.set(p.epoch as number, { loss: num(liveVals.loss), accuracy: num(liveVals.accuracy) });
    }
    if (!terminal) {
      const fraction = Math.max(0, Math.min(1, num(p.fraction) ?? 0));
      replace(
        live,
        h(
          "div",
          { class: "progress-row big" },
          h("span", { class: "progress-label", "data-testid": "phase" }, task.status === "QUEUED" ? "Waiting for a worker…" : phaseName(p.phase) || "Starting…"),
          h("progress", { max: "1", value: String(fraction), "aria-label": "Training progress", "data-testid": "train-progress" }),
          h("span", { class: "progress-pct" }, formatPercent(fraction, 0)),
        ),
        h(
          "p",
          { class: "live-stats" },
          num(p.epochs) ? h("span", null, `Epoch ${p.epoch ?? 0} of ${p.epochs}`) : null,
          h("span", null, `ETA ${formatDuration(num(p.eta_s))}`),
          num(liveVals.loss) !== undefined ? h("span", null, `loss ${(liveVals.loss as number).toFixed(3)}`) : null,
          num(liveVals.accuracy) !== undefined ? h("span", null, `accuracy ${formatPercent(liveVals.accuracy as number)}`) : null,
          task.cancel_requested ? h("span", { class: "warn-text" }, "cancel requested") : null,
        ),
        cancelButton,
      );
      (cancelButton as HTMLButtonElement).disabled = Boolean(task.cancel_requested);
      if (task.cancel_requested) cancelButton.textContent = "Cancelling…";
    } else {
      replace(live);
    }

    // Failure / cancel reasons.
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

    // Curves.
    const history = task.metrics?.history ?? [];
    // Live points only while training: a finished task's curves are its history alone (a model
    // kept without epochs, e.g. tfidf_linear, has none even though others reported epochs live).
    const epochs = terminal ? history.length : Math.max(history.length, ...[...livePoints.keys()], 0);
    if (epochs > 0) {
      const byEpoch = new Map<number, (typeof history)[number]>();
      history.forEach((e, i) => byEpoch.set(num(e.epoch) ?? i + 1, e));
      const at = (i: number) => byEpoch.get(i + 1);
      const range = Array.from({ length: epochs }, (_, i) => i);
      const trainLoss = range.map((i) => num(at(i)?.train_loss) ?? livePoints.get(i + 1)?.loss);
      const valLoss = range.map((i) => num(at(i)?.val_loss));
      const trainAcc = range.map((i) => num(at(i)?.train_accuracy) ?? livePoints.get(i + 1)?.accuracy);
      const valAcc = range.map((i) => num(at(i)?.val_accuracy));
      replace(
        charts,
        lineChart(
          [
            { name: "training loss", values: trainLoss, className: "series-train" },
            { name: "validation loss", values: valLoss, className: "series-val", dashed: true },
          ],
          { title: "Loss per epoch", yLabel: "loss" },
        ),
        lineChart(
          [
            { name: "training accuracy", values: trainAcc, className: "series-train" },
            { name: "validation accuracy", values: valAcc, className: "series-val", dashed: true },
          ],
          { title: "Accuracy per epoch", yLabel: "accuracy", yMin: 0, yMax: 1, percent: true },
        ),
      );
    } else if (!terminal) {
      replace(charts, h("p", { class: "muted" }, "Curves appear after the first epoch."));
    } else if (task.status === "COMPLETED") {
      replace(charts, noCurveNote(task.metrics));
    } else {
      replace(charts);
    }

    // Evaluation.
    const m = task.metrics;
    if (task.status === "COMPLETED" && m) {
      const perClass = m.per_class ?? {};
      const names = classes.length ? classes : Object.keys(perClass);
      replace(
        evaluation,
        h("h3", null, "Evaluation on the validation set"),
        h("p", { class: "big-number" }, h("span", { "data-testid": "val-accuracy" }, formatPercent(num(m.val_accuracy))), h("small", null, " validation accuracy")),
        m.model?.architecture
          ? h(
              "p",
              { class: "muted", "data-testid": "model-choice" },
              "Model: ",
              h("strong", null, m.model.architecture),
              m.model.image_size ? ` at ${m.model.image_size} px` : "",
              m.model.reason ? ` — ${m.model.reason}` : "",
            )
          : null,
        h(
          "div",
          { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Per-class precision and recall" },
          h(
            "table",
            { class: "per-class", "data-testid": "per-class" },
            h("caption", null, "Per-class precision and recall"),
            h("thead", null, h("tr", null, ["Class", "Precision", "Recall", "F1", "Support"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              null,
              names.map((n) => {
                const c = perClass[n] ?? {};
                return h(
                  "tr",
                  null,
                  h("th", { scope: "row" }, n),
                  h("td", null, meter(num(c.precision))),
                  h("td", null, meter(num(c.recall))),
                  h("td", null, formatPercent(num(c.f1))),
                  h("td", null, num(c.support) !== undefined ? String(c.support) : "—"),
                );
              }),
            ),
          ),
        ),
        Array.isArray(m.confusion_matrix) && m.confusion_matrix.length ? confusionExplorer(task.id, names, m.confusion_matrix) : null,
      );
    } else {
      replace(evaluation);
    }
    replace(searchBox, task.status === "COMPLETED" ? modelSearchSection(m) : null);

    // Dataset summary and server warnings.
    const ds = task.dataset;
    const warnings = ds?.warnings ?? [];
    if (ds && (ds.num_items || warnings.length)) {
      replace(
        datasetBox,
        h(
          "details",
          { class: "dataset-details", open: warnings.length > 0 && !terminal },
          h("summary", null, `Dataset: ${ds.num_items ?? "?"} items${warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? "s" : ""}` : ""}`),
          warnings.length ? issueList(warnings.map((w) => ({ level: "warning" as const, message: w }))) : null,
          ds.class_counts ? countList(Object.entries(ds.class_counts).map(([name, count]) => ({ name, count: Number(count) }))) : null,
        ),
      );
    } else {
      replace(datasetBox);
    }

    if (task.status === "COMPLETED" && !finishedBuilt) {
      finishedBuilt = true;
      replace(finished, predictSection(task), downloadSection(task));
    }
    if (task.status !== lastStatus) {
      if (lastStatus !== "") void renderHistory();
      lastStatus = task.status;
      if (terminal) {
        replace(footer, deleteButton);
      } else {
        replace(footer);
      }
    }
  };

  api
    .getTask(id)
    .then((task) => {
      if (currentTaskId !== id) return;
      render(task);
      if (!isTerminal(task.status)) {
        follower = followTask(id, (t) => currentTaskId === id && render(t), (err) => {
          if (currentTaskId === id) replace(progressBox, errorBox("Lost track of the task", describeError(err)));
        });
      }
    })
    .catch((err) => {
      const notFound = err instanceof ApiError && err.status === 404;
      replace(
        head,
        errorBox(
          notFound ? "No such task" : "Could not load the task",
          describeError(err),
          notFound ? "It may have been deleted. Pick one from the list of past tasks, or start a new one." : undefined,
        ),
      );
    });
}

function meter(value: number | undefined): HTMLElement {
  const fill = h("span", { class: "meter-fill" });
  fill.style.width = `${(value ?? 0) * 100}%`;
  return h("span", { class: "meter" }, h("span", { class: "meter-track", "aria-hidden": "true" }, fill), h("span", null, formatPercent(value)));
}

function predictSection(task: Task): HTMLElement {
  const idInput = h("input", { id: "predict-task-id", type: "text", value: task.id, autocomplete: "off", spellcheck: "false", "data-testid": "predict-task-id" });
  const results = h("div", { class: "predictions", "aria-live": "polite", "data-testid": "predictions" });
  const taskId = () => (idInput as HTMLInputElement).value.trim() || task.id;

  if (task.kind === "text") {
    const area = h("textarea", { id: "predict-text", rows: 4, placeholder: "Type a text; one text per line", "data-testid": "predict-text" });
    const button = h("button", { type: "button", class: "primary", "data-testid": "predict-button" }, "Predict");
    const run = async () => {
      const texts = (area as HTMLTextAreaElement).value.split("\n").map((t) => t.trim()).filter(Boolean);
      if (texts.length === 0) {
        replace(results, h("p", { class: "muted" }, "Type a text first."));
        return;
      }
      (button as HTMLButtonElement).disabled = true;
      replace(results, h("p", { class: "muted" }, "Predicting…"));
      try {
        const r = await api.predictTexts(taskId(), texts, 3);
        replace(
          results,
          r.predictions.map((p, i) =>
            h("div", { class: "prediction", "data-testid": "prediction" }, h("p", { class: "predicted-text" }, texts[i]), scoreBars(p.top?.length ? p.top : [{ label: p.label, score: p.score }])),
          ),
        );
      } catch (err) {
        replace(results, errorBox("Prediction failed", describeError(err)));
      } finally {
        (button as HTMLButtonElement).disabled = false;
      }
    };
    button.addEventListener("click", () => void run());
    area.addEventListener("keydown", (e: KeyboardEvent) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void run();
    });
    return h(
      "section",
      { class: "card predict", "aria-labelledby": "predict-title" },
      h("h3", { id: "predict-title" }, "Try the model"),
      h("div", { class: "field inline" }, h("label", { for: "predict-task-id" }, "Task id"), idInput),
      h("div", { class: "field" }, h("label", { for: "predict-text" }, "Text to classify"), area),
      h("div", { class: "actions" }, button, h("small", { class: "muted" }, "Ctrl+Enter predicts")),
      results,
    );
  }

  const fileInput = h("input", { type: "file", accept: "image/*", multiple: true, id: "predict-file", class: "visually-hidden", tabindex: "-1", "data-testid": "predict-file" });
  const run = async (files: File[]) => {
    if (files.length === 0) return;
    replace(results, h("p", { class: "muted" }, `Resizing and predicting ${files.length} image${files.length > 1 ? "s" : ""}…`));
    try {
      const prepared: { name: string; blob: Blob; url: string }[] = [];
      const failed: string[] = [];
      for (const f of files.slice(0, 32)) {
        try {
          // PNG: the exact pixels of the resize rule (one small image, so size does not matter).
          const blob = await encodeImage(await resizeToPixels(f), "image/png");
          prepared.push({ name: f.name, blob, url: URL.createObjectURL(blob) });
        } catch {
          failed.push(f.name);
        }
      }
      if (prepared.length === 0) {
        replace(results, errorBox("Not an image", `The browser could not read ${failed.join(", ")} as an image.`));
        return;
      }
      const r = await api.predictImages(taskId(), prepared.map((p) => p.blob), prepared.map((p) => p.name.replace(/\.[^.]+$/, "") + ".png"), 3);
      replace(
        results,
        failed.length ? issueList([{ level: "warning", message: `Could not read ${failed.join(", ")} as images.` }]) : null,
        r.predictions.map((p, i) =>
          h(
            "div",
            { class: "prediction", "data-testid": "prediction" },
            h("img", { src: prepared[i].url, alt: prepared[i].name, width: 112, height: 112 }),
            h("div", { class: "prediction-body" }, h("p", { class: "file-name" }, prepared[i].name), scoreBars(p.top?.length ? p.top : [{ label: p.label, score: p.score }])),
          ),
        ),
      );
    } catch (err) {
      replace(results, errorBox("Prediction failed", describeError(err)));
    }
  };
  fileInput.addEventListener("change", () => void run(Array.from((fileInput as HTMLInputElement).files ?? [])));
  const drop = h(
    "div",
    { class: "dropzone small", "data-testid": "predict-drop" },
    h("p", null, "Drop images here or"),
    h("button", { type: "button", class: "primary", onclick: () => fileInput.click() }, "Choose images…"),
    fileInput,
  );
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    void run(Array.from((e as DragEvent).dataTransfer?.files ?? []));
  });
  return h(
    "section",
    { class: "card predict", "aria-labelledby": "predict-title" },
    h("h3", { id: "predict-title" }, "Try the model"),
    h("div", { class: "field inline" }, h("label", { for: "predict-task-id" }, "Task id"), idInput),
    drop,
    h("p", { class: "muted small" }, `Images are cropped and resized to ${MODEL_SIZE}×${MODEL_SIZE} here with the same rule as for training.`),
    results,
  );
}

function downloadSection(task: Task): HTMLElement {
  const code = snippets(task);
  const block = (title: string, text: string, open: boolean) => {
    const pre = h("pre", null, h("code", null, text));
    const copy = h("button", { type: "button", class: "small" }, "Copy");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        copy.textContent = "Copied";
      } catch {
        const range = document.createRange();
        range.selectNodeContents(pre);
        const sel = getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
        copy.textContent = "Selected: press Ctrl+C";
      }
      setTimeout(() => (copy.textContent = "Copy"), 2000);
    });
    return h("details", { class: "snippet", open }, h("summary", null, title), h("div", { class: "snippet-body" }, copy, pre));
  };
  return h(
    "section",
    { class: "card download", "aria-labelledby": "download-title" },
    h("h3", { id: "download-title" }, "Download the model"),
    h(
      "p",
      null,
      h("a", { class: "button primary", href: api.modelUrl(task.id), download: `trainbox-${task.id}.zip`, "data-testid": "download" }, "Download model bundle (.zip)"),
    ),
    h(
      "p",
      { class: "muted" },
      "The bundle holds ",
      h("code", null, "model.pt"),
      " (TorchScript), ",
      h("code", null, "classes.json"),
      ", ",
      h("code", null, "preprocess.json"),
      ", ",
      h("code", null, "metrics.json"),
      " and a README. Load it like this:",
    ),
    block("Python (PyTorch)", code.python, true),
    block("C++ (LibTorch)", code.cpp, false),
  );
}

// ---------------------------------------------------------------------------------------------
// Past tasks

const PAGE = 10;
let historyOffset = 0;
let historySeq = 0;

async function renderHistory(): Promise<void> {
  const seq = ++historySeq;
  const title = h("h2", { id: "history-title" }, "Past tasks");
  const refresh = h("button", { type: "button", class: "small", onclick: () => void renderHistory() }, "Refresh");
  let body: Child;
  try {
    const page = await api.listTasks(PAGE, historyOffset);
    if (seq !== historySeq) return;
    if (page.tasks.length === 0 && historyOffset > 0) {
      historyOffset = 0;
      return renderHistory();
    }
    body =
      page.tasks.length === 0
        ? h("p", { class: "muted" }, "No tasks yet. Your trainings will be listed here.")
        : [
            h(
              "ul",
              { class: "task-list", "data-testid": "task-list" },
              page.tasks.map((t) => {
                const acc = num(t.metrics?.val_accuracy);
                const classes = t.classes ?? [];
                return h(
                  "li",
                  { class: `task-item${t.id === currentTaskId ? " current" : ""}` },
                  h(
                    "a",
                    { href: `#/tasks/${encodeURIComponent(t.id)}`, "aria-current": t.id === currentTaskId ? "page" : null, "data-testid": "task-link" },
                    h("span", { class: "task-item-top" }, statusBadge(t.status), h("span", { class: "kind" }, t.kind), acc !== undefined ? h("span", { class: "acc" }, `${formatPercent(acc)} acc.`) : null),
                    h("span", { class: "task-item-name" }, t.dataset?.name ?? t.id),
                    h(
                      "span",
                      { class: "task-item-sub" },
                      classes.length ? `${classes.length} classes: ${classes.slice(0, 3).join(", ")}${classes.length > 3 ? "…" : ""}` : "",
                    ),
                    h("span", { class: "task-item-date" }, formatDate(t.created_at)),
                  ),
                );
              }),
            ),
            page.total > PAGE
              ? h(
                  "div",
                  { class: "pager" },
                  h("button", { type: "button", class: "small", disabled: historyOffset === 0, onclick: () => ((historyOffset = Math.max(0, historyOffset - PAGE)), void renderHistory()) }, "Newer"),
                  h("span", null, `${historyOffset + 1}–${Math.min(page.total, historyOffset + PAGE)} of ${page.total}`),
                  h("button", { type: "button", class: "small", disabled: historyOffset + PAGE >= page.total, onclick: () => ((historyOffset += PAGE), void renderHistory()) }, "Older"),
                )
              : null,
          ];
  } catch (err) {
    if (seq !== historySeq) return;
    body = errorBox("Could not list tasks", describeError(err));
  }
  replace(historyPanel, h("div", { class: "history-head" }, title, refresh), body);
}

/**
 * The backbone field's suggestions: auto, the built-in models (for the selected kind, both when
 * nothing is selected yet), plus any other built-in the server lists, and the installed backbones.
 */
function backboneOptions(): HTMLOptionElement[] {
  const models = [...(backboneKind !== "text" ? IMAGE_MODELS : []), ...(backboneKind !== "image" ? TEXT_MODELS : [])];
  const known = new Set(["auto", ...IMAGE_MODELS.map((m) => m.name), ...TEXT_MODELS.map((m) => m.name)]);
  const extra = backboneKind === "text" ? [] : serverBuiltins.filter((b) => !known.has(b));
  return [
    h("option", { value: "auto", label: "auto (search all candidates, keep the best)" }),
    ...models.map((m) => h("option", { value: m.name, label: m.label })),
    ...extra.map((b) => h("option", { value: b })),
    ...(backboneKind === "text" ? [] : installedBackbones).map((b) => {
      const detail = b.input_size ? `, ${b.input_size} px, ${b.feature_dim ?? "?"} features` : "";
      return h("option", { value: b.name, label: `${b.name} (pretrained${detail})` });
    }),
  ];
}

async function loadBackbones(): Promise<void> {
  try {
    const r = await api.backbones();
    installedBackbones = Array.isArray(r.backbones) ? r.backbones : [];
    serverBuiltins = Array.isArray(r.builtin) ? r.builtin.filter((b): b is string => typeof b === "string") : [];
    const list = document.getElementById("backbones");
    if (list) replace(list, ...backboneOptions());
  } catch {
    // The field still takes any name; the server checks it when the task starts.
  }
}

route();
void loadBackbones();
