// A finished task's evaluation: validation accuracy, the kept model and why, per-class precision
// and recall, and the confusion matrix with the validation items behind each count.
import type { ClassMetrics, Metrics, Task } from "../../api";
import { meter } from "../../components/meter";
import { h, replace } from "../../dom";
import { formatPercent, num } from "../../format";
import { confusionExplorer } from "../../validation";

export function renderEvaluation(evaluation: HTMLElement, task: Task): void {
  const m = task.metrics;
  if (task.status !== "COMPLETED" || !m) {
    replace(evaluation);
    return;
  }
  const classes = task.classes ?? [];
  const perClass = m.per_class ?? {};
  const names = classes.length ? classes : Object.keys(perClass);
  replace(
    evaluation,
    h("h3", null, "Evaluation on the validation set"),
    h("p", { class: "big-number" }, h("span", { "data-testid": "val-accuracy" }, formatPercent(num(m.val_accuracy))), h("small", null, " validation accuracy")),
    modelChoice(m),
    perClassTable(names, perClass),
    Array.isArray(m.confusion_matrix) && m.confusion_matrix.length ? confusionExplorer(task.id, names, m.confusion_matrix) : null,
  );
}

/** "Model: kernel_rbf at 24 px — why", or null when the server did not say. */
function modelChoice(m: Metrics): HTMLElement | null {
  if (!m.model?.architecture) return null;
  return h(
    "p",
    { class: "muted", "data-testid": "model-choice" },
    "Model: ",
    h("strong", null, m.model.architecture),
    m.model.image_size ? ` at ${m.model.image_size} px` : "",
    m.model.reason ? ` — ${m.model.reason}` : "",
  );
}

function perClassTable(names: string[], perClass: Record<string, ClassMetrics>): HTMLElement {
  return h(
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
  );
}
