import { h } from "../dom";

/** An error in words: a title, the message, and what to do about it. */
export function errorBox(title: string, message: string, hint?: string): HTMLElement {
  return h(
    "div",
    { class: "alert error", role: "alert", "data-testid": "error" },
    h("strong", null, title),
    h("p", { class: "error-message" }, message),
    hint ? h("p", { class: "hint" }, hint) : null,
  );
}
