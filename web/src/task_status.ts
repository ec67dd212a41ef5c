// What a task's status and error mean for the page. Pure: unit-tested in web/test/follow.test.mjs.
import type { Status, Task } from "./api";

export function isTerminal(status: Status | string | undefined): boolean {
  return status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";
}

/** The task's failure reason in words, or null. Also reads an {code, message} object. */
export function taskError(task: Task): string | null {
  const e: unknown = task.error;
  if (!e) return null;
  if (typeof e === "string") return e;
  const o = e as { code?: string; message?: string };
  return o.message ?? o.code ?? "unknown error";
}
