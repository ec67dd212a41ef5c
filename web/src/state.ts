// The page's state, in one place: who is signed in and which screen shows, which task is open and
// how it is followed, what the new-task view has picked, the past-tasks pager, and the backbone
// suggestions. Views read and write these objects; nothing else is kept between renders (a task
// view's own state is TaskPageState).
import type { Backbone, Follower, Me } from "./api";
import type { Screen } from "./auth_data";
import type { CsvSummary, ImagePlan, ZipSummary } from "./dataset_plan";
import type { LivePoint } from "./views/task/curve_data";

export type Selection =
  | { type: "folder"; plan: ImagePlan }
  | { type: "zip"; file: File; summary: ZipSummary }
  | { type: "csv"; file: File; summary: CsvSummary };

export type DatasetKind = "image" | "text";

export interface SessionState {
  /** The sign-in view or the app (session.ts switches them). */
  screen: Screen;
  /** Who is signed in; null before GET /me answers, when it failed, or once signed out. */
  me: Me | null;
}

export interface AppState {
  session: SessionState;
  /** The task open in the view (null: the new-task view). */
  currentTaskId: string | null;
  /** How the open task is followed (server-sent events or polling); stopped on navigation. */
  follower: Follower | null;
  /** What the upload said per task id ("Uploaded 1.2 MB for 60 images…"), shown on its page. */
  uploadNotes: Map<string, string>;
  /** Object URLs of the preview's thumbnails, revoked when the preview changes. */
  thumbUrls: string[];
  history: { offset: number; seq: number };
  backbones: { installed: Backbone[]; builtins: string[]; kind: DatasetKind | null };
}

export const app: AppState = {
  session: { screen: "starting", me: null },
  currentTaskId: null,
  follower: null,
  uploadNotes: new Map(),
  thumbUrls: [],
  history: { offset: 0, seq: 0 },
  backbones: { installed: [], builtins: [], kind: null },
};

/** The new-task view: what is picked, and whether an upload is under way. */
export interface NewTaskState {
  selection: Selection | null;
  busy: boolean;
}

/** One task view, from its first render until the route changes. */
export interface TaskPageState {
  id: string;
  /** Per-epoch loss/accuracy reported live (progress.live) while the task runs. */
  livePoints: Map<number, LivePoint>;
  lastStatus: string;
  lastPhase: string;
  /** The predict and download sections are built once, when the task is first seen COMPLETED. */
  finishedBuilt: boolean;
}

export function newTaskPageState(id: string): TaskPageState {
  return { id, livePoints: new Map(), lastStatus: "", lastPhase: "", finishedBuilt: false };
}

export function revokeThumbs(): void {
  app.thumbUrls.forEach((u) => URL.revokeObjectURL(u));
  app.thumbUrls = [];
}
