// Predict typed texts (one per line; Ctrl+Enter predicts).
import { api } from "../../api";
import { scoreBars } from "../../charts";
import { errorBox } from "../../components/error_box";
import { h, replace } from "../../dom";
import { describeError } from "../../format";
import type { PredictForm } from "./predict";
import { textsOf, topOf } from "./predict_data";

export function textPredictForm(form: PredictForm): HTMLElement[] {
  const area = h("textarea", { id: "predict-text", rows: 4, placeholder: "Type a text; one text per line", "data-testid": "predict-text" });
  const button = h("button", { type: "button", class: "primary", "data-testid": "predict-button" }, "Predict");
  const run = () => void predictTexts(form, area, button);
  button.addEventListener("click", run);
  area.addEventListener("keydown", (e: KeyboardEvent) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
  });
  return [
    h("div", { class: "field" }, h("label", { for: "predict-text" }, "Text to classify"), area),
    h("div", { class: "actions" }, button, h("small", { class: "muted" }, "Ctrl+Enter predicts")),
  ];
}

async function predictTexts(form: PredictForm, area: HTMLTextAreaElement, button: HTMLButtonElement): Promise<void> {
  const { results } = form;
  const texts = textsOf(area.value);
  if (texts.length === 0) {
    replace(results, h("p", { class: "muted" }, "Type a text first."));
    return;
  }
  button.disabled = true;
  replace(results, h("p", { class: "muted" }, "Predicting…"));
  try {
    const r = await api.predictTexts(form.taskId(), texts, 3);
    replace(
      results,
      r.predictions.map((p, i) => h("div", { class: "prediction", "data-testid": "prediction" }, h("p", { class: "predicted-text" }, texts[i]), scoreBars(topOf(p)))),
    );
  } catch (err) {
    replace(results, errorBox("Prediction failed", describeError(err)));
  } finally {
    button.disabled = false;
  }
}
