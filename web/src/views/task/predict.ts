// "Try the model": the predict form of a finished task, with its task id filled in (it can be
// changed to any other task's id). Text tasks take typed texts, image tasks dropped images.
import type { Task } from "../../api";
import { h } from "../../dom";
import { imagePredictForm } from "./predict_image";
import { textPredictForm } from "./predict_text";

/** The parts both forms share: the task id field and where the predictions go. */
export interface PredictForm {
  idInput: HTMLInputElement;
  results: HTMLElement;
  /** The id to predict with: the field's, or the task's when the field is empty. */
  taskId: () => string;
}

export function predictSection(task: Task): HTMLElement {
  const idInput = h("input", { id: "predict-task-id", type: "text", value: task.id, autocomplete: "off", spellcheck: "false", "data-testid": "predict-task-id" });
  const form: PredictForm = {
    idInput,
    results: h("div", { class: "predictions", "aria-live": "polite", "data-testid": "predictions" }),
    taskId: () => idInput.value.trim() || task.id,
  };
  return h(
    "section",
    { class: "card predict", "aria-labelledby": "predict-title" },
    h("h3", { id: "predict-title" }, "Try the model"),
    h("div", { class: "field inline" }, h("label", { for: "predict-task-id" }, "Task id"), idInput),
    task.kind === "text" ? textPredictForm(form) : imagePredictForm(form),
    form.results,
  );
}
