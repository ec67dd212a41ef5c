// The "Advanced options" of a new task (epochs, time budget, backbone, validation share, seed, CSV
// columns) and what they send.
import { numberField } from "../../components/number_field";
import { h } from "../../dom";
import type { Selection } from "../../state";
import { backboneOptions } from "./backbones";
import { collectOptions } from "./upload_data";

export function optionsPanel(): HTMLElement {
  return h(
    "details",
    { class: "advanced" },
    h("summary", null, "Advanced options"),
    h(
      "div",
      { class: "fields" },
      numberField("opt-epochs", "Epochs", { min: "1", max: "500", step: "1", placeholder: "automatic" }, "Passes over the data (1–500). Empty: chosen for you."),
      numberField("opt-time", "Time budget (seconds)", { min: "1", max: "21600", step: "1", placeholder: "automatic" }, "Training stops when this time is spent."),
      backboneField(),
      numberField("opt-val", "Validation fraction", { min: "0.05", max: "0.5", step: "0.05", placeholder: "0.2" }, "Share of each class kept aside to measure accuracy (0.05–0.5)."),
      numberField("opt-seed", "Seed", { min: "0", step: "1", placeholder: "automatic" }, "Same seed, same split and same result."),
      textOnlyField("opt-text-col", "Text column (CSV)", "text"),
      textOnlyField("opt-label-col", "Label column (CSV)", "label"),
    ),
  );
}

function backboneField(): HTMLElement {
  return h(
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
  );
}

function textOnlyField(id: string, label: string, placeholder: string): HTMLElement {
  return h(
    "div",
    { class: "field text-only" },
    h("label", { for: id }, label),
    h("input", { id, type: "text", placeholder, autocomplete: "off" }),
  );
}

/** The options JSON of the fields in `panel` for the current selection. */
export function readOptions(panel: HTMLElement, selection: Selection | null): Record<string, unknown> {
  const value = (id: string) => (panel.querySelector(`#${id}`) as HTMLInputElement).value;
  return collectOptions(value, selection?.type === "csv");
}
