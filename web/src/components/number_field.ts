import { h } from "../dom";

/** A labelled number input with its help text. */
export function numberField(id: string, label: string, attrs: Record<string, string>, help: string): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, type: "number", inputmode: "decimal", ...attrs, "aria-describedby": `${id}-help` }),
    h("small", { id: `${id}-help` }, help),
  );
}
