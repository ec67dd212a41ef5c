// The loss and accuracy curves per epoch (live while training), or why there are none.
import type { Task } from "../../api";
import { lineChart } from "../../charts";
import { h, replace } from "../../dom";
import { noCurveNote } from "../../modelsearch";
import { curveData, type LivePoint } from "./curve_data";

export function renderCharts(charts: HTMLElement, task: Task, points: Map<number, LivePoint>, terminal: boolean): void {
  const curves = curveData(task, points, terminal);
  if (curves) {
    replace(
      charts,
      lineChart(
        [
          { name: "training loss", values: curves.trainLoss, className: "series-train" },
          { name: "validation loss", values: curves.valLoss, className: "series-val", dashed: true },
        ],
        { title: "Loss per epoch", yLabel: "loss" },
      ),
      lineChart(
        [
          { name: "training accuracy", values: curves.trainAcc, className: "series-train" },
          { name: "validation accuracy", values: curves.valAcc, className: "series-val", dashed: true },
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
}
