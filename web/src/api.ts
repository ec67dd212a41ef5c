// Client for the trainbox REST API (/api/v1). Paths are relative to the page so the page also
// works when the server is mounted under a prefix. The interfaces below are the JSON bodies;
// web/test/openapi_types.test.mjs checks them against src/http/openapi.json.
import { ApiError, errorFromBody } from "./api_error";
import { createFollower, type EventStream, type Follower, type FollowDeps } from "./follow";

export { ApiError, errorFromBody } from "./api_error";
export { isTerminal, taskError } from "./task_status";
export type { Follower } from "./follow";

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
  kind: "image" | "text";
  status: Status;
  created_at: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  progress: Progress;
  options: Record<string, unknown>;
  dataset?: {
    name?: string;
    num_items?: number;
    class_counts?: Record<string, number>;
    warnings?: string[];
  } | null;
  classes?: string[] | null;
  metrics?: Metrics | null;
  attempts?: number;
  /** The worker running the task (or that ran it last); null before a claim. */
  worker_id?: string | null;
  /** The user who created the task; null when it was created without accounts (--auth none). */
  owner?: string | null;
  /** The bundle's bytes and SHA-256, recorded at completion; null before. */
  model_size?: number | null;
  model_sha256?: string | null;
  cancel_requested?: boolean;
  /** The failure or cancel reason in words (taskError also reads an old {code, message} form). */
  error?: string | null;
}

/** GET /tasks: a page of tasks, newest first. */
export interface TaskList {
  tasks: Task[];
  total: number;
}

/** GET /health. */
export interface Health {
  status: string;
  version?: string;
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

/** POST /tasks/{id}/predict: one entry per input, in input order. */
export interface Predictions {
  predictions: Prediction[];
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

/** GET /me: who the credentials belong to (auth "none": no accounts, name "", admin true). */
export interface Me {
  name: string;
  admin: boolean;
  auth: "tokens" | "none";
}

/** POST /session: the signed-in user, and the admin's new token when a one-time code was redeemed. */
export interface SessionReply {
  user: Me;
  token?: string;
}

export const API = "api/v1";

// Told of every 401 (with the path asked), so one place (session.ts) can bring the sign-in view
// back whichever view made the call.
let unauthorizedListener: ((path: string) => void) | null = null;

export function onUnauthorized(listener: ((path: string) => void) | null): void {
  unauthorizedListener = listener;
}

function failed(path: string, status: number, text: string): ApiError {
  if (status === 401) unauthorizedListener?.(path);
  return errorFromBody(status, text);
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API}/${path}`, init);
  } catch {
    throw new ApiError("The server could not be reached. Check that trainbox is running.", 0, "network");
  }
  const text = await response.text();
  if (!response.ok) throw failed(path, response.status, text);
  return (text ? JSON.parse(text) : null) as T;
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
  health: () => request<Health>("health"),
  me: () => request<Me>("me"),
  /** Sets the HttpOnly session cookie; the page never keeps the token itself. */
  signIn: (credentials: { token: string } | { code: string }) =>
    request<SessionReply>("session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(credentials),
    }),
  signOut: () => request<null>("session", { method: "DELETE" }),
  backbones: () => request<{ backbones: Backbone[]; builtin: string[] }>("backbones"),
  listTasks: (limit: number, offset: number) =>
    request<TaskList>(`tasks?limit=${limit}&offset=${offset}`),
  getTask: (id: string) => request<Task>(`tasks/${encodeURIComponent(id)}`),
  cancelTask: (id: string) =>
    request<Task>(`tasks/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
  deleteTask: (id: string) =>
    request<null>(`tasks/${encodeURIComponent(id)}`, { method: "DELETE" }),
  predictImages: (id: string, files: Blob[], names: string[], topK = 3) => {
    const form = new FormData();
    files.forEach((file, i) => form.append("file", file, names[i] ?? `image${i}.jpg`));
    return request<Predictions>(
      `tasks/${encodeURIComponent(id)}/predict?top_k=${topK}`,
      { method: "POST", body: form },
    );
  },
  predictTexts: (id: string, texts: string[], topK = 3) =>
    request<Predictions>(`tasks/${encodeURIComponent(id)}/predict?top_k=${topK}`, {
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
        reject(failed("tasks", xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(errorFromBody(0, ""));
    xhr.onabort = () => reject(new ApiError("Upload cancelled.", 0, "aborted"));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * Follows a task through server-sent events, polling GET /tasks/{id} every second as the fallback
 * (follow.ts). Calls onTask with every new task state and stops by itself once the task is terminal.
 */
export function followTask(
  id: string,
  onTask: (task: Task) => void,
  onError: (error: ApiError) => void,
  pollMs = 1000,
): Follower {
  const deps: FollowDeps = {
    openEvents: typeof EventSource === "undefined" ? null : openEventSource,
    getTask: api.getTask,
    setTimer: (fn, ms) => window.setTimeout(fn, ms),
    clearTimer: (handle) => window.clearTimeout(handle),
  };
  return createFollower(deps, `${API}/tasks/${encodeURIComponent(id)}/events`, id, onTask, onError, pollMs);
}

function openEventSource(url: string): EventStream {
  const source = new EventSource(url);
  return {
    addEventListener: (type, listener) => source.addEventListener(type, listener as EventListener),
    close: () => source.close(),
  };
}
