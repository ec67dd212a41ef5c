// Who uses the page. At start, a one-time code in the address ("#sign-in=…", removed from the
// address at once) or GET /me decides between the sign-in view and the app; afterwards any 401
// brings the sign-in view back. The address keeps its route meanwhile, so signing in returns to
// the task that was open. The token itself lives only in the HttpOnly cookie the server sets.
import { api, ApiError, onUnauthorized, type Me } from "./api";
import { screenAfterMe, signInAfter401, signInCodeOf } from "./auth_data";
import { accountBadge } from "./components/account_badge";
import { errorBox } from "./components/error_box";
import { tokenPanel } from "./components/token_panel";
import { h, replace } from "./dom";
import { describeError } from "./format";
import type { Layout } from "./layout";
import { app } from "./state";
import { signInFailure, signInView } from "./views/sign_in";

interface Session {
  layout: Layout;
  /** Shows the app's view for the current address (main.ts). */
  openApp: () => void;
}

export function startSession(layout: Layout, openApp: () => void): void {
  const s: Session = { layout, openApp };
  onUnauthorized((path) => {
    const prompt = signInAfter401(app.session.screen, path);
    if (prompt) showSignIn(s, prompt.notice, null);
  });
  // A link pasted into a tab that is already open arrives as a hash change.
  window.addEventListener("hashchange", () => void takeSignInLink(s));
  if (!takeSignInLink(s)) void askWhoIsSignedIn(s, null);
}

/** Redeems the one-time code of "#sign-in=…" when the address holds one; false when not. */
function takeSignInLink(s: Session): boolean {
  const code = signInCodeOf(location.hash);
  if (code === null) return false;
  // The code must not stay in the address bar, the history or a bookmark, whatever comes next.
  history.replaceState(history.state, "", location.pathname + location.search);
  void redeem(s, code);
  return true;
}

/** GET /me: the app, or the sign-in view; `refusedLink` is a one-time link's failure to show. */
async function askWhoIsSignedIn(s: Session, refusedLink: unknown): Promise<void> {
  try {
    const me = await api.me();
    enterApp(s, me);
    if (refusedLink) showNotice(s, signInFailure(refusedLink));
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    if (screenAfterMe(status) === "sign-in") showSignIn(s, "", refusedLink);
    else enterApp(s, null);
  }
}

async function redeem(s: Session, code: string): Promise<void> {
  try {
    const reply = await api.signIn({ code });
    enterApp(s, reply.user);
    if (reply.token) replace(s.layout.notices, tokenPanel(reply.token));
  } catch (err) {
    // A link opened a second time in a browser already signed in shows the app, with the refusal.
    await askWhoIsSignedIn(s, err);
  }
}

function enterApp(s: Session, me: Me | null): void {
  app.session = { screen: "app", me };
  replace(s.layout.gate);
  s.layout.gate.hidden = true;
  s.layout.appArea.hidden = false;
  replace(s.layout.account, accountBadge(me, () => void signOut(s)));
  s.openApp();
}

function showSignIn(s: Session, notice: string, error: unknown): void {
  app.follower?.stop();
  app.follower = null;
  app.session = { screen: "sign-in", me: null };
  app.history.offset = 0;
  replace(s.layout.account);
  replace(s.layout.notices);
  s.layout.appArea.hidden = true;
  replace(s.layout.gate, signInView({ notice, error, onSignedIn: (reply) => enterApp(s, reply.user) }));
  s.layout.gate.hidden = false;
  document.getElementById("sign-in-token")?.focus();
}

async function signOut(s: Session): Promise<void> {
  try {
    await api.signOut();
    showSignIn(s, "You are signed out.", null);
  } catch (err) {
    showNotice(s, errorBox("Could not sign out", describeError(err), "This browser is still signed in; try again."));
  }
}

/** A message above the app, with a button that removes it. */
function showNotice(s: Session, box: HTMLElement): void {
  const close = h("button", { type: "button", class: "small", onclick: () => box.remove() }, "Dismiss");
  box.append(close);
  replace(s.layout.notices, box);
}
