// The sign-in rules without the DOM: the one-time code in the address, which screen the page
// shows after GET /me, where a 401 leads, and the words of the sign-in view and header.
// Unit-tested in web/test/auth.test.mjs.
import type { Me } from "./api";

/** What the page shows: nothing yet (asking GET /me), the sign-in view, or the app. */
export type Screen = "starting" | "sign-in" | "app";

/** The notice of the sign-in view when a signed-in page gets a 401 (token rotated, cookie gone). */
export const SESSION_ENDED =
  "Your sign-in has ended (the token was changed or the session expired). Sign in again to go back where you were.";

/**
 * The code of "#sign-in=<code>" (the link `trainbox serve` prints on its first start), or null
 * when the address holds no such link. A link with an empty code gives "", so it is still removed
 * from the address and the server's refusal is shown.
 */
export function signInCodeOf(hash: string): string | null {
  const match = /^#sign-in=([^&#]*)/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]).trim();
  } catch {
    return match[1].trim();
  }
}

/** The screen after GET /me: the app when it answered, the sign-in view on 401. */
export function screenAfterMe(status: number): Screen {
  // Any other failure (server down, an old server without /me) opens the app: its views show
  // their own errors, and a later 401 still brings the sign-in view.
  return status === 401 ? "sign-in" : "app";
}

/**
 * What a 401 of the API call `path` (relative to api/v1) does: null when nothing (the callers of
 * me and session handle their own answers; the sign-in view is already open), else open the
 * sign-in view with this notice. The address keeps its route, so signing in returns there.
 */
export function signInAfter401(screen: Screen, path: string): { notice: string } | null {
  const name = path.split(/[/?]/)[0];
  if (name === "me" || name === "session") return null;
  if (screen === "sign-in") return null;
  return { notice: screen === "app" ? SESSION_ENDED : "" };
}

/** The title of a failed sign-in, from the error's code (the server's message says the rest). */
export function signInFailureTitle(code: string, status: number): string {
  if (code === "invalid_sign_in_code") return "This sign-in link cannot be used";
  if (status === 0) return "The server could not be reached";
  if (status === 401) return "The token was not accepted";
  return "Could not sign in";
}

/** The header's words for who is signed in ("alice", "alice (admin)"); null without accounts. */
export function accountLabel(me: Me | null): string | null {
  if (!me || me.auth === "none") return null;
  return me.admin ? `${me.name} (admin)` : me.name;
}
