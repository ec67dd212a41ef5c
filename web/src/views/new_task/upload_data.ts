// The new-task view's rules without the DOM: which options are sent, what the upload is called,
// what the page says during and after it, and which backbones the option field suggests.
// Unit-tested in web/test/new_task.test.mjs.
import type { Backbone } from "../../api";
import { formatBytes } from "../../format";
import { IMAGE_MODELS, TEXT_MODELS } from "../../modelsearch";
import type { DatasetKind, Selection } from "../../state";

/** The option fields: input id -> options key, as numbers or as text; CSV-only ones last. */
export const OPTION_FIELDS: { id: string; key: string; type: "number" | "text"; csvOnly?: boolean }[] = [
  { id: "opt-epochs", key: "epochs", type: "number" },
  { id: "opt-time", key: "time_budget_s", type: "number" },
  { id: "opt-backbone", key: "backbone", type: "text" },
  { id: "opt-val", key: "val_fraction", type: "number" },
  { id: "opt-seed", key: "seed", type: "number" },
  { id: "opt-text-col", key: "text_column", type: "text", csvOnly: true },
  { id: "opt-label-col", key: "label_column", type: "text", csvOnly: true },
];

/** The `options` JSON of POST /tasks from the fields' values: empty and non-numbers left out. */
export function collectOptions(value: (id: string) => string, isCsv: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of OPTION_FIELDS) {
    if (f.csvOnly && !isCsv) continue;
    const v = value(f.id).trim();
    if (v === "") continue;
    if (f.type === "text") out[f.key] = v;
    else if (Number.isFinite(Number(v))) out[f.key] = Number(v);
  }
  return out;
}

/** The dataset kind a selection makes (null: nothing picked yet). */
export function selectionKind(sel: Selection | null): DatasetKind | null {
  return !sel ? null : sel.type === "csv" ? "text" : "image";
}

/** Whether the selection cannot be uploaded: nothing picked, or a folder check found an error. */
export function selectionBlocked(sel: Selection | null): boolean {
  const issues = !sel ? [] : sel.type === "folder" ? sel.plan.issues : [];
  return !sel || issues.some((i) => i.level === "error");
}

/** The upload zip's name from the picked folder's name. */
export function uploadFilename(rootName: string): string {
  return `${(rootName || "dataset").replace(/[^\w.-]+/g, "_")}.zip`;
}

/** What the task page says of a folder upload: what was sent, what was left out, what it saved. */
export function folderUploadNote(built: { failed: string[]; imageCount: number; originalBytes: number }, uploadedBytes: number): string {
  let note = "";
  if (built.failed.length > 0) {
    note = `${built.failed.length} image(s) could not be read by the browser and were left out: ${built.failed.slice(0, 5).join(", ")}${built.failed.length > 5 ? "…" : ""}. `;
  }
  const saved = built.originalBytes - uploadedBytes;
  note += `Uploaded ${formatBytes(uploadedBytes)} for ${built.imageCount} images (${formatBytes(built.originalBytes)} of originals${saved > 0 ? `; resizing saved ${formatBytes(saved)}, ${Math.round((saved / Math.max(1, built.originalBytes)) * 100)}%` : ""}).`;
  return note;
}

/** What the task page says of a zip or CSV sent as it is. */
export function fileUploadNote(name: string, size: number): string {
  return `Uploaded ${name} (${formatBytes(size)}) as is.`;
}

export function uploadingLabel(loaded: number, total: number): string {
  return `Uploading: ${formatBytes(loaded)} of ${formatBytes(total)} (${Math.round((loaded / total) * 100)}%)`;
}

/** A suggestion of the backbone field: an <option>'s value and label. */
export interface BackboneChoice {
  value: string;
  label?: string;
}

/**
 * The backbone field's suggestions: auto, the built-in models (for the selected kind, both when
 * nothing is selected yet), plus any other built-in the server lists, and the installed backbones.
 */
export function backboneChoices(kind: DatasetKind | null, installed: Backbone[], builtins: string[]): BackboneChoice[] {
  const models = [...(kind !== "text" ? IMAGE_MODELS : []), ...(kind !== "image" ? TEXT_MODELS : [])];
  const known = new Set(["auto", ...IMAGE_MODELS.map((m) => m.name), ...TEXT_MODELS.map((m) => m.name)]);
  const extra = kind === "text" ? [] : builtins.filter((b) => !known.has(b));
  return [
    { value: "auto", label: "auto (search all candidates, keep the best)" },
    ...models.map((m) => ({ value: m.name, label: m.label })),
    ...extra.map((b) => ({ value: b })),
    ...(kind === "text" ? [] : installed).map((b) => {
      const detail = b.input_size ? `, ${b.input_size} px, ${b.feature_dim ?? "?"} features` : "";
      return { value: b.name, label: `${b.name} (pretrained${detail})` };
    }),
  ];
}

/** The builtin names of GET /backbones, keeping only strings. */
export function builtinNames(builtin: unknown): string[] {
  return Array.isArray(builtin) ? builtin.filter((b): b is string => typeof b === "string") : [];
}
