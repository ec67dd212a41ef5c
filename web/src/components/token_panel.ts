// The admin's new API token after a one-time sign-in link: shown this once, with a copy button,
// until dismissed (then it is gone from the page too).
import { h } from "../dom";

export function tokenPanel(token: string): HTMLElement {
  const field = h("input", {
    type: "text",
    readonly: true,
    value: token,
    class: "token-value",
    "aria-label": "Admin API token",
    "data-testid": "admin-token",
  });
  const copy = h("button", { type: "button", class: "small", "data-testid": "copy-token" }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(token);
      copy.textContent = "Copied";
    } catch {
      // No clipboard (a page not on https or loopback): select it for Ctrl+C instead.
      field.select();
      copy.textContent = "Selected: press Ctrl+C";
    }
  });
  const dismiss = h("button", { type: "button", class: "small", "data-testid": "dismiss-token" }, "I saved it");
  const panel = h(
    "div",
    { class: "alert info token-panel", role: "region", "aria-label": "Your admin token", "data-testid": "token-panel" },
    h("strong", null, "You are signed in as the admin."),
    h("p", null, "Save this token for API clients (send it as Authorization: Bearer …); it is not shown again."),
    h("div", { class: "token-row" }, field, copy, dismiss),
  );
  dismiss.addEventListener("click", () => panel.remove());
  return panel;
}
