// The page's entry: the frame, the router (new task, a task, anchors) and the past-tasks panel.
import "./style.css";
import { checkServer, mountLayout } from "./layout";
import { decodeSquare, encodeImage, resizeRule, resizeToPixels } from "./resize";
import { routeOf } from "./routes";
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

window.addEventListener("hashchange", route);

route();
void loadBackbones();
