// The header's "signed in as" line: the user's name (and "admin"), and a Sign out button.
import type { Me } from "../api";
import { accountLabel } from "../auth_data";
import { h } from "../dom";

/** Nothing without accounts (auth "none") or before GET /me answered. */
export function accountBadge(me: Me | null, onSignOut: () => void): HTMLElement | null {
  const label = accountLabel(me);
  if (label === null) return null;
  return h(
    "span",
    { class: "account", "data-testid": "account" },
    h("span", { class: "muted" }, "Signed in as "),
    h("strong", { "data-testid": "account-name" }, label),
    h("button", { type: "button", class: "small", "data-testid": "sign-out", onclick: onSignOut }, "Sign out"),
  );
}
