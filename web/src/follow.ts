// Follows a task through server-sent events; if the stream errors before the task ends (or the
// browser has no EventSource), falls back to polling GET /tasks/{id}. The browser parts (the
// EventSource, the fetch, the timers) are passed in, so this logic is unit-tested in Node
// (web/test/follow.test.mjs); api.ts's followTask wires the real ones.
import type { Task } from "./api";
import { ApiError } from "./api_error";
import { isTerminal } from "./task_status";

/** The part of an EventSource the follower uses. */
export interface EventStream {
  addEventListener(type: "task" | "message" | "deleted" | "error", listener: (event: { data?: unknown }) => void): void;
  close(): void;
}

export interface FollowDeps {
  /** Opens the event stream; null when the browser has none (then the follower polls). */
  openEvents: ((url: string) => EventStream) | null;
  getTask: (id: string) => Promise<Task>;
  setTimer: (fn: () => void, ms: number) => number;
  clearTimer: (handle: number) => void;
}

export interface Follower {
  stop: () => void;
  readonly mode: "events" | "polling";
}

/** After this many failed polls in a row the page is told (the follower keeps trying). */
export const POLL_FAILURES_REPORTED = 3;

class TaskFollower implements Follower {
  mode: "events" | "polling" = "events";
  private stopped = false;
  private source: EventStream | null = null;
  private timer: number | undefined;
  private failures = 0;

  constructor(
    private readonly deps: FollowDeps,
    private readonly id: string,
    private readonly onTask: (task: Task) => void,
    private readonly onError: (error: ApiError) => void,
    private readonly pollMs: number,
  ) {}

  start(eventsUrl: string): void {
    if (!this.deps.openEvents) {
      this.startPolling();
      return;
    }
    const source = this.deps.openEvents(eventsUrl);
    this.source = source;
    const onMessage = (e: { data?: unknown }) => {
      try {
        this.handle(JSON.parse(String(e.data)) as Task);
      } catch {
        /* a malformed event: ignore, the next one carries the full state */
      }
    };
    source.addEventListener("task", onMessage);
    source.addEventListener("message", onMessage);
    source.addEventListener("deleted", () => {
      this.onError(new ApiError("This task was deleted.", 404, "deleted"));
      this.stop();
    });
    // A stream that ends before a terminal state, or never opens, means: poll instead.
    source.addEventListener("error", () => this.startPolling());
  }

  stop = (): void => {
    this.stopped = true;
    this.source?.close();
    this.source = null;
    if (this.timer !== undefined) this.deps.clearTimer(this.timer);
  };

  private handle(task: Task): void {
    if (this.stopped) return;
    this.onTask(task);
    if (isTerminal(task.status)) this.stop();
  }

  private startPolling(): void {
    if (this.stopped || this.mode === "polling") return;
    this.mode = "polling";
    this.source?.close();
    this.source = null;
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const task = await this.deps.getTask(this.id);
      this.failures = 0;
      this.handle(task);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(String(e), 0, "unknown");
      if (err.status === 404) {
        this.onError(err);
        this.stop();
        return;
      }
      if (++this.failures === POLL_FAILURES_REPORTED) this.onError(err);
    }
    if (!this.stopped) this.timer = this.deps.setTimer(() => void this.poll(), this.pollMs);
  }
}

/**
 * Starts following task `id`: calls onTask with every new task state and stops by itself once the
 * task is terminal. onError hears of a deleted task, a 404, or the third failed poll in a row.
 */
export function createFollower(
  deps: FollowDeps,
  eventsUrl: string,
  id: string,
  onTask: (task: Task) => void,
  onError: (error: ApiError) => void,
  pollMs = 1000,
): Follower {
  const follower = new TaskFollower(deps, id, onTask, onError, pollMs);
  follower.start(eventsUrl);
  return follower;
}
