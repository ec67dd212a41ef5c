// The task page's words without the DOM: what a screen reader hears when the phase changes, the
// live progress line, the dataset summary. Unit-tested in web/test/task_page.test.mjs.
import type { Me, Task } from "../../api";
import { formatDuration, formatPercent, num, phaseName } from "../../format";

/** The phase as shown (RUNNING: its phase in words) and the sentence announced when it changes. */
export function statusAnnouncement(task: Task): { phase: string; text: string } {
  const phase = task.status === "RUNNING" ? phaseName(task.progress?.phase) || "Running" : task.status;
  return { phase, text: `Task ${task.status.toLowerCase()}${task.status === "RUNNING" ? `: ${phase}` : ""}` };
}

/** The label of the big progress bar. */
export function progressLabel(task: Task): string {
  return task.status === "QUEUED" ? "Waiting for a worker…" : phaseName(task.progress?.phase) || "Starting…";
}

/** progress.fraction clamped to 0..1 (0 when missing). */
export function progressFraction(task: Task): number {
  return Math.max(0, Math.min(1, num(task.progress?.fraction) ?? 0));
}

/** The live statistics under the bar: epoch, ETA, live loss and accuracy (absent ones left out). */
export function liveStats(task: Task): string[] {
  const p = task.progress ?? {};
  const live = p.live ?? {};
  const out: string[] = [];
  if (num(p.epochs)) out.push(`Epoch ${p.epoch ?? 0} of ${p.epochs}`);
  out.push(`ETA ${formatDuration(num(p.eta_s))}`);
  if (num(live.loss) !== undefined) out.push(`loss ${(live.loss as number).toFixed(3)}`);
  if (num(live.accuracy) !== undefined) out.push(`accuracy ${formatPercent(live.accuracy as number)}`);
  return out;
}

/** "Dataset: 60 items, 2 warnings", or null when the server said nothing of the dataset. */
export function datasetLine(task: Task): string | null {
  const ds = task.dataset;
  const warnings = ds?.warnings ?? [];
  if (!ds || !(ds.num_items || warnings.length)) return null;
  return `Dataset: ${ds.num_items ?? "?"} items${warnings.length ? `, ${warnings.length} warning${warnings.length > 1 ? "s" : ""}` : ""}`;
}

/** "worker-2", with the attempt when the task ran more than once (its first worker died). */
export function workerText(task: Task): string {
  const attempts = task.attempts ?? 1;
  return attempts > 1 ? `${task.worker_id} (attempt ${attempts})` : `${task.worker_id}`;
}

/** The task's owner, shown only to an admin looking at someone else's task; else null. */
export function ownerText(task: Task, viewer: Me | null): string | null {
  if (!viewer?.admin || viewer.auth === "none" || !task.owner) return null;
  return task.owner === viewer.name ? null : task.owner;
}
