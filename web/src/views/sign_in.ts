// The sign-in view: a token field, the server's refusal in words, and where tokens come from.
// Signing in sets the HttpOnly session cookie (POST /session); the token is not kept by the page.
import { api, ApiError, type SessionReply } from "../api";
import { signInFailureTitle } from "../auth_data";
import { errorBox } from "../components/error_box";
import { h, replace } from "../dom";
import { describeError } from "../format";

export interface SignInOptions {
  /** Why the view shows again ("Your sign-in has ended…"), or "". */
  notice: string;
  /** A failure to show at once (a one-time link that was refused), or null. */
  error: unknown;
  onSignedIn: (reply: SessionReply) => void;
}

export function signInView(options: SignInOptions): HTMLElement {
  const input = h("input", {
    type: "password",
    id: "sign-in-token",
    name: "token",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "tbx_…",
    "data-testid": "sign-in-token",
  });
  const button = h("button", { type: "submit", class: "primary", "data-testid": "sign-in-submit" }, "Sign in");
  const status = h("div", { class: "sign-in-status", "data-testid": "sign-in-status" });
  if (options.error) replace(status, signInFailure(options.error));
  const form = h(
    "form",
    { class: "sign-in-form", "data-testid": "sign-in-form" },
    h("div", { class: "field" }, h("label", { for: "sign-in-token" }, "API token"), input),
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", (event: Event) => {
    event.preventDefault();
    void submit(input, button, status, options.onSignedIn);
  });
  return h(
    "section",
    { class: "view sign-in", "aria-labelledby": "sign-in-title", "data-testid": "sign-in" },
    h("h2", { id: "sign-in-title" }, "Sign in to trainbox"),
    options.notice ? h("p", { class: "alert info", "data-testid": "sign-in-notice" }, options.notice) : null,
    h("p", { class: "lead" }, "This server has accounts. Paste your API token to see and start your trainings."),
    form,
    status,
    howToGetAToken(),
  );
}

async function submit(
  input: HTMLInputElement,
  button: HTMLButtonElement,
  status: HTMLElement,
  onSignedIn: (reply: SessionReply) => void,
): Promise<void> {
  const token = input.value.trim();
  if (!token) {
    replace(status, errorBox("No token", "Paste your API token into the field first."));
    input.focus();
    return;
  }
  button.disabled = true;
  button.textContent = "Signing in…";
  replace(status);
  try {
    const reply = await api.signIn({ token });
    input.value = "";
    onSignedIn(reply);
  } catch (err) {
    replace(status, signInFailure(err));
    input.select();
  } finally {
    button.disabled = false;
    button.textContent = "Sign in";
  }
}

/** A refused sign-in (token or one-time link) in words: what failed, then the server's message. */
export function signInFailure(err: unknown): HTMLElement {
  const code = err instanceof ApiError ? err.code : "";
  const httpStatus = err instanceof ApiError ? err.status : 0;
  return errorBox(signInFailureTitle(code, httpStatus), describeError(err));
}

function howToGetAToken(): HTMLElement {
  return h(
    "div",
    { class: "hint sign-in-hint" },
    h("p", null, "No token? An admin of this server makes one on its machine:"),
    h("pre", null, h("code", null, "trainbox users add NAME --data-dir DATA_DIR")),
    h("p", null, "A lost token is replaced (the old one stops working) with:"),
    h("pre", null, h("code", null, "trainbox users token NAME --data-dir DATA_DIR")),
    h("p", { class: "muted" }, "Both print the token on their last line. The page keeps you signed in with a cookie for 30 days."),
  );
}
