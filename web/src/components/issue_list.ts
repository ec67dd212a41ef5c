import type { Issue } from "../dataset_plan";
import { h } from "../dom";

/** Errors and warnings of a dataset check as a list, or null when there are none. */
export function issueList(issues: Issue[]): HTMLElement | null {
  if (issues.length === 0) return null;
  return h(
    "ul",
    { class: "issues", "data-testid": "issues" },
    issues.map((i) =>
      h(
        "li",
        { class: `issue ${i.level}` },
        h("strong", null, i.level === "error" ? "Error: " : "Warning: "),
        i.message,
      ),
    ),
  );
}
