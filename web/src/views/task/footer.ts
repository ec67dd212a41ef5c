// The footer of an ended task: delete it (its dataset and model too).
import { api } from "../../api";
import { errorBox } from "../../components/error_box";
import { h, replace } from "../../dom";
import { describeError } from "../../format";

export function deleteButtonOf(id: string, footer: HTMLElement): HTMLElement {
  const button = h("button", { type: "button", class: "link danger-text" }, "Delete this task");
  button.addEventListener("click", async () => {
    if (!confirm("Delete this task, its dataset and its model?")) return;
    try {
      await api.deleteTask(id);
      location.hash = "#/";
    } catch (err) {
      replace(footer, errorBox("Could not delete", describeError(err)));
    }
  });
  return button;
}
