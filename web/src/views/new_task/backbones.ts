// The backbone field's <datalist>: refreshed when the dataset kind changes and once GET
// /backbones answers.
import { api } from "../../api";
import { h, replace } from "../../dom";
import { app } from "../../state";
import { backboneChoices, builtinNames } from "./upload_data";

export function backboneOptions(): HTMLOptionElement[] {
  const { kind, installed, builtins } = app.backbones;
  return backboneChoices(kind, installed, builtins).map((c) => h("option", { value: c.value, label: c.label }));
}

/** Rebuilds the suggestions of the field, when the new-task view is showing. */
export function refreshBackboneList(): void {
  const list = document.getElementById("backbones");
  if (list) replace(list, ...backboneOptions());
}

export async function loadBackbones(): Promise<void> {
  try {
    const r = await api.backbones();
    app.backbones.installed = Array.isArray(r.backbones) ? r.backbones : [];
    app.backbones.builtins = builtinNames(r.builtin);
    refreshBackboneList();
  } catch {
    // The field still takes any name; the server checks it when the task starts.
  }
}
