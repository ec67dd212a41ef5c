// The task page's curves without the DOM: per-epoch history merged with what training reports
// live. Unit-tested in web/test/task_page.test.mjs.
import type { EpochStats, Task } from "../../api";
import { num } from "../../format";

export interface LivePoint {
  loss?: number;
  accuracy?: number;
}

/** Keeps the live loss/accuracy of the running epoch (progress.live), per epoch number. */
export function recordLivePoint(points: Map<number, LivePoint>, task: Task): void {
  const p = task.progress ?? {};
  const live = p.live ?? {};
  if (task.status === "RUNNING" && num(p.epoch) && (num(live.loss) !== undefined || num(live.accuracy) !== undefined)) {
    points.set(p.epoch as number, { loss: num(live.loss), accuracy: num(live.accuracy) });
  }
}

export interface Curves {
  trainLoss: (number | undefined)[];
  valLoss: (number | undefined)[];
  trainAcc: (number | undefined)[];
  valAcc: (number | undefined)[];
}

/**
 * One value per epoch for each curve, or null when there is no epoch yet. Live points only while
 * training: a finished task's curves are its history alone (a model kept without epochs, e.g.
 * tfidf_linear, has none even though others reported epochs live).
 */
export function curveData(task: Task, points: Map<number, LivePoint>, terminal: boolean): Curves | null {
  const history = task.metrics?.history ?? [];
  const epochs = terminal ? history.length : Math.max(history.length, ...[...points.keys()], 0);
  if (epochs <= 0) return null;
  const byEpoch = new Map<number, EpochStats>();
  history.forEach((e, i) => byEpoch.set(num(e.epoch) ?? i + 1, e));
  const at = (i: number) => byEpoch.get(i + 1);
  const range = Array.from({ length: epochs }, (_, i) => i);
  return {
    trainLoss: range.map((i) => num(at(i)?.train_loss) ?? points.get(i + 1)?.loss),
    valLoss: range.map((i) => num(at(i)?.val_loss)),
    trainAcc: range.map((i) => num(at(i)?.train_accuracy) ?? points.get(i + 1)?.accuracy),
    valAcc: range.map((i) => num(at(i)?.val_accuracy)),
  };
}
