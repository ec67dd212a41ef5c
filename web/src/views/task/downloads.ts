// "Download the model": the bundle link and code that loads it (Python, C++), with copy buttons.
import { api, type Task } from "../../api";
import { h } from "../../dom";
import { snippets } from "../../snippets";

export function downloadSection(task: Task): HTMLElement {
  const code = snippets(task);
  return h(
    "section",
    { class: "card download", "aria-labelledby": "download-title" },
    h("h3", { id: "download-title" }, "Download the model"),
    h(
      "p",
      null,
      h("a", { class: "button primary", href: api.modelUrl(task.id), download: `trainbox-${task.id}.zip`, "data-testid": "download" }, "Download model bundle (.zip)"),
    ),
    h(
      "p",
      { class: "muted" },
      "The bundle holds ",
      h("code", null, "model.pt"),
      " (TorchScript), ",
      h("code", null, "classes.json"),
      ", ",
      h("code", null, "preprocess.json"),
      ", ",
      h("code", null, "metrics.json"),
      " and a README. Load it like this:",
    ),
    snippetBlock("Python (PyTorch)", code.python, true),
    snippetBlock("C++ (LibTorch)", code.cpp, false),
  );
}

/** A code snippet with a Copy button (selects the text where the clipboard is refused). */
function snippetBlock(title: string, text: string, open: boolean): HTMLElement {
  const pre = h("pre", null, h("code", null, text));
  const copy = h("button", { type: "button", class: "small" }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = "Copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      copy.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => (copy.textContent = "Copy"), 2000);
  });
  return h("details", { class: "snippet", open }, h("summary", null, title), h("div", { class: "snippet-body" }, copy, pre));
}
