// Client for the trainbox REST API (/api/v1). Paths are relative to the page so the page also
// works when the server is mounted under a prefix.

export type Status = "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED";

export interface Progress {
  phase?: string;
  fraction?: number;
  epoch?: number;
  epochs?: number;
  eta_s?: number | null;
  live?: Record<string, unknown> | null;
}

export interface EpochStats {
  epoch?: number;
  train_loss?: number;
  train_accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  [key: string]: unknown;
}

export interface ClassMetrics {
  precision?: number;
  recall?: number;
  f1?: number;
  support?: number;
}

/** How the model was chosen (metrics.model): the kept candidate, e.g. "kernel_rbf", and why. */
export interface ModelChoice {
  architecture?: string;
  reason?: string;
  path?: string;
  image_size?: number;
}

/** One candidate of the model search (metrics.leaderboard); skipped ones have no accuracy. */
export interface LeaderboardEntry {
  candidate: string;
  val_accuracy: number | null;
  val_loss?: number;
  seconds: number | null;
  items_per_s?: number;
  kept: boolean;
  why: string;
  details?: Record<string, unknown>;
}

export interface Metrics {
  val_accuracy?: number;
  model?: ModelChoice;
  leaderboard?: LeaderboardEntry[];
  per_class?: Record<string, ClassMetrics>;
  confusion_matrix?: number[][];
  history?: EpochStats[];
  [key: string]: unknown;
}

export interface Task {
  id: string;
  kind: "image" | "text" | string;
  status: Status;
  created_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  progress?: Progress | null;
  options?: Record<string, unknown> | null;
  dataset?: {
    name?: string;
    num_items?: number;
    class_counts?: Record<string, number>;
    warnings?: string[];
  } | null;
  classes?: string[] | null;
  metrics?: Metrics | null;
  error?: string | { code?: string; message?: string } | null;
  cancel_requested?: boolean;
}

export interface TopEntry {
  label: string;
  score: number;
}

export interface Prediction {
  label: string;
  score: number;
  top?: TopEntry[];
}

/** One validation item of a finished task (GET /tasks/{id}/validation). */
export interface ValidationItem {
  index?: number;
  label: number; // true class index
  predicted: number; // predicted class index
  score?: number; // probability of the predicted class
  top?: TopEntry[];
  name?: string; // image: its path in the dataset
  thumbnail?: string; // image: data:image/png;base64,... (<= 64 px)
  text?: string; // text: at most 300 characters
}

/** The validation items behind metrics.confusion_matrix, in the bundle's validation.json. */
export interface Validation {
  kind?: string;
  classes?: string[];
  items: ValidationItem[];
  truncated?: boolean;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export const API = "api/v1";

export function isTerminal(status: Status | string | undefined): boolean {
  return status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";
}

/** Turns any error body into words a person can act on. */
export function errorFromBody(status: number, text: string): ApiError {
  let message = "";
  let code = "http_" + status;
  try {
    const body = JSON.parse(text);
    const err = body?.error;
    if (err && typeof err === "object") {
      message = String(err.message ?? "");
      code = String(err.code ?? code);
    } else if (typeof err === "string") {
      message = err;
    }
  } catch {
    message = text.trim().slice(0, 300);
  }
  if (!message) {
    message =
      status === 0
        ? "The server could not be reached. Check that trainbox is running."
        : `The server answered ${status}.`;
  }
  return new ApiError(message, status, code);
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API}/${path}`, init);
  } catch {
    throw new ApiError("The server could not be reached. Check that trainbox is running.", 0, "network");
  }
  const text = await response.text();
  if (!response.ok) throw errorFromBody(response.status, text);
  return (text ? JSON.parse(text) : null) as T;
}

export function taskError(task: Task): string | null {
  const e = task.error;
  if (!e) return null;
  if (typeof e === "string") return e;
  return e.message ?? e.code ?? "unknown error";
}

/** An installed pretrained backbone (GET /api/v1/backbones). */
export interface Backbone {
  name: string;
  input_size?: number;
  feature_dim?: number;
  feature_gflops?: number;
  source?: { package?: string; version?: string; licence?: string; model_path?: string };
}

export const api = {
  health: () => request<{ status: string; version?: string }>("health"),
  backbones: () => request<{ backbones: Backbone[]; builtin: string[] }>("backbones"),
  listTasks: (limit: number, offset: number) =>
    request<{ tasks: Task[]; total: number }>(`tasks?limit=${limit}&offset=${offset}`),
  getTask: (id: string) => request<Task>(`tasks/${encodeURIComponent(id)}`),
  cancelTask: (id: string) =>
    request<Task>(`tasks/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
  deleteTask: (id: string) =>
    request<null>(`tasks/${encodeURIComponent(id)}`, { method: "DELETE" }),
  predictImages: (id: string, files: Blob[], names: string[], topK = 3) => {
    const form = new FormData();
    files.forEach((file, i) => form.append("file", file, names[i] ?? `image${i}.jpg`));
    return request<{ predictions: Prediction[] }>(
      `tasks/${encodeURIComponent(id)}/predict?top_k=${topK}`,
      { method: "POST", body: form },
    );
  },
  predictTexts: (id: string, texts: string[], topK = 3) =>
    request<{ predictions: Prediction[] }>(`tasks/${encodeURIComponent(id)}/predict?top_k=${topK}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ texts }),
    }),
  validation: (id: string) => request<Validation>(`tasks/${encodeURIComponent(id)}/validation`),
  modelUrl: (id: string) => `${API}/tasks/${encodeURIComponent(id)}/model`,
};

export interface UploadHandle {
  promise: Promise<Task>;
  abort: () => void;
}

/** POST /tasks with XMLHttpRequest so that upload progress can be shown. */
export function uploadTask(
  dataset: Blob,
  filename: string,
  kind: string | null,
  options: Record<string, unknown> | null,
  onProgress: (loaded: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Task>((resolve, reject) => {
    const form = new FormData();
    form.append("dataset", dataset, filename);
    if (kind) form.append("kind", kind);
    if (options && Object.keys(options).length > 0) form.append("options", JSON.stringify(options));
    xhr.open("POST", `${API}/tasks`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as Task);
        } catch {
          reject(new ApiError("The server sent an unreadable answer.", xhr.status, "bad_reply"));
        }
      } else {
        reject(errorFromBody(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(errorFromBody(0, ""));
    xhr.onabort = () => reject(new ApiError("Upload cancelled.", 0, "aborted"));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export interface Follower {
  stop: () => void;
  readonly mode: "events" | "polling";
}

/**
 * Follows a task through server-sent events; if the stream errors before the task ends, falls
 * back to polling GET /tasks/{id} every second. Calls onTask with every new task state and stops
 * by itself once the task is terminal.
 */
export function followTask(
  id: string,
  onTask: (task: Task) => void,
  onError: (error: ApiError) => void,
  pollMs = 1000,
): Follower {
  let stopped = false;
  let source: EventSource | null = null;
  let timer: number | undefined;
  let mode: "events" | "polling" = "events";
  let failures = 0;

  const handle = (task: Task) => {
    if (stopped) return;
    onTask(task);
    if (isTerminal(task.status)) stop();
  };

  const poll = async () => {
    if (stopped) return;
    try {
      const task = await api.getTask(id);
      failures = 0;
      handle(task);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(String(e), 0, "unknown");
      if (err.status === 404) {
        onError(err);
        stop();
        return;
      }
      if (++failures === 3) onError(err);
    }
    if (!stopped) timer = window.setTimeout(poll, pollMs);
  };

  const startPolling = () => {
    if (stopped || mode === "polling") return;
    mode = "polling";
    source?.close();
    source = null;
    void poll();
  };

  const stop = () => {
    stopped = true;
    source?.close();
    source = null;
    if (timer !== undefined) window.clearTimeout(timer);
  };

  if (typeof EventSource === "undefined") {
    startPolling();
  } else {
    source = new EventSource(`${API}/tasks/${encodeURIComponent(id)}/events`);
    const onMessage = (e: MessageEvent) => {
      try {
        handle(JSON.parse(e.data) as Task);
      } catch {
        /* a malformed event: ignore, the next one carries the full state */
      }
    };
    source.addEventListener("task", onMessage as EventListener);
    source.onmessage = onMessage;
    source.addEventListener("deleted", () => {
      onError(new ApiError("This task was deleted.", 404, "deleted"));
      stop();
    });
    // A stream that ends before a terminal state, or never opens, means: poll instead.
    source.onerror = () => startPolling();
  }

  return {
    stop,
    get mode() {
      return mode;
    },
  };
}
