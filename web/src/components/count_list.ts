import { countClass } from "../dataset_plan";
import { h } from "../dom";

/** Class names with their counts (zip and CSV previews, a task's dataset summary). */
export function countList(classes: { name: string; count: number }[]): HTMLElement {
  return h(
    "ul",
    { class: "class-grid compact", "data-testid": "class-grid" },
    classes.map((c) =>
      h(
        "li",
        { class: "class-card" },
        h(
          "div",
          { class: "class-head" },
          h("span", { class: "class-name", "data-testid": "class-name", title: c.name }, c.name),
          h("span", { class: countClass(c.count) }, String(c.count)),
        ),
      ),
    ),
  );
}
