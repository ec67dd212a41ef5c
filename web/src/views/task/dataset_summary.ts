// What the server found in the dataset: item count, warnings (open while the task runs), classes.
import type { Task } from "../../api";
import { countList } from "../../components/count_list";
import { issueList } from "../../components/issue_list";
import { h, replace } from "../../dom";
import { datasetLine } from "./task_data";

export function renderDatasetSummary(datasetBox: HTMLElement, task: Task, terminal: boolean): void {
  const ds = task.dataset;
  const line = datasetLine(task);
  if (!ds || line === null) {
    replace(datasetBox);
    return;
  }
  const warnings = ds.warnings ?? [];
  replace(
    datasetBox,
    h(
      "details",
      { class: "dataset-details", open: warnings.length > 0 && !terminal },
      h("summary", null, line),
      warnings.length ? issueList(warnings.map((w) => ({ level: "warning" as const, message: w }))) : null,
      ds.class_counts ? countList(Object.entries(ds.class_counts).map(([name, count]) => ({ name, count: Number(count) }))) : null,
    ),
  );
}
