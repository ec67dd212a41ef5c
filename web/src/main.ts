// The page's entry: the frame, the session (sign-in view or app), the router (new task, a task,
// anchors) and the past-tasks panel.
import "./style.css";
import { checkServer, mountLayout } from "./layout";
import { decodeSquare, encodeImage, resizeRule, resizeToPixels } from "./resize";
import { keepsViewAfterSignIn, routeOf } from "./routes";
import { startSession } from "./session";
import { app } from "./state";
import { renderHistory } from "./views/history";
import { loadBackbones } from "./views/new_task/backbones";
import { showNew } from "./views/new_task";
import { showTask } from "./views/task_page";

// Exposed for the browser tests (the resize-rule comparison) and for curious users.
(window as unknown as { trainbox: unknown }).trainbox = { resizeRule, resizeToPixels, decodeSquare, encodeImage };

const layout = mountLayout(document.getElementById("app")!);
checkServer(layout.serverStatus);

const refreshHistory = (): void => void renderHistory(layout.history);

function route(): void {
  // Signed out, the address may change (the route is kept for after signing in) but nothing shows.
  if (app.session.screen !== "app") return;
  const next = routeOf(location.hash, layout.view.childElementCount > 0);
  if (next.view === "keep") return;
  app.follower?.stop();
  app.follower = null;
  if (next.view === "task") {
    app.currentTaskId = next.id;
    showTask(layout.view, next.id, refreshHistory);
  } else {
    app.currentTaskId = null;
    showNew(layout.view);
  }
  refreshHistory();
}

/** Called each time the app shows: at start and after every sign-in. */
function openApp(): void {
  if (keepsViewAfterSignIn(location.hash, layout.view.childElementCount > 0, app.currentTaskId)) {
    refreshHistory();
  } else {
    layout.view.replaceChildren();
    route();
  }
  void loadBackbones();
}

window.addEventListener("hashchange", route);
startSession(layout, openApp);
