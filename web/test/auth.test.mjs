// The sign-in rules (web/src/auth_data.ts, routes.ts): the one-time code of the first-start link,
// the screen after GET /me, where a 401 leads and where signing in returns, and the words shown.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const a = await src("auth_data.ts");
const r = await src("routes.ts");
const t = await src("views/task/task_data.ts");

describe("the #sign-in fragment", () => {
  test("the code of the link serve prints", () => {
    assert.equal(a.signInCodeOf("#sign-in=0123456789abcdef0123456789abcdef"), "0123456789abcdef0123456789abcdef");
  });
  test("percent-escapes are decoded and spaces trimmed", () => {
    assert.equal(a.signInCodeOf("#sign-in=%20ab12%20"), "ab12");
  });
  test("a badly escaped code is sent as it is (the server refuses it in words)", () => {
    assert.equal(a.signInCodeOf("#sign-in=ab%zz"), "ab%zz");
  });
  test("the code stops at & or a second #", () => {
    assert.equal(a.signInCodeOf("#sign-in=abc&x=1"), "abc");
    assert.equal(a.signInCodeOf("#sign-in=abc#/tasks/1"), "abc");
  });
  test("an empty code is still a link (so it leaves the address), with the code empty", () => {
    assert.equal(a.signInCodeOf("#sign-in="), "");
  });
  test("other addresses hold no code", () => {
    for (const hash of ["", "#", "#/", "#/tasks/abc", "#main", "#history-title", "#/sign-in=abc", "#x-sign-in=abc", "#sign-in"]) {
      assert.equal(a.signInCodeOf(hash), null, hash);
    }
  });
});

describe("the screen after GET /me", () => {
  test("401 asks for a token; an answer or any other failure opens the app", () => {
    assert.equal(a.screenAfterMe(401), "sign-in");
    for (const status of [200, 0, 404, 500, 503]) assert.equal(a.screenAfterMe(status), "app", String(status));
  });
});

describe("a 401 of an API call", () => {
  test("while the app shows: the sign-in view, saying why", () => {
    for (const path of ["tasks?limit=20&offset=0", "tasks/abc", "tasks/abc/predict?top_k=3", "backbones", "tasks"]) {
      assert.deepEqual(a.signInAfter401("app", path), { notice: a.SESSION_ENDED }, path);
    }
  });
  test("before the first screen: the sign-in view without a notice", () => {
    assert.deepEqual(a.signInAfter401("starting", "tasks"), { notice: "" });
  });
  test("once the sign-in view shows, later 401s of the same moment change nothing", () => {
    assert.equal(a.signInAfter401("sign-in", "tasks/abc"), null);
    assert.equal(a.signInAfter401("sign-in", "backbones"), null);
  });
  test("sign-in's own calls answer their callers (the form shows the refusal)", () => {
    for (const screen of ["starting", "sign-in", "app"]) {
      assert.equal(a.signInAfter401(screen, "session"), null, screen);
      assert.equal(a.signInAfter401(screen, "me"), null, screen);
    }
  });
  test("a task whose id starts like 'me' is still a task", () => {
    assert.deepEqual(a.signInAfter401("app", "tasks/me"), { notice: a.SESSION_ENDED });
  });
});

describe("returning after sign-in", () => {
  test("the address keeps the task: it is shown again (rebuilt, its follower was stopped)", () => {
    assert.deepEqual(r.routeOf("#/tasks/abc", false), { view: "task", id: "abc" });
    assert.equal(r.keepsViewAfterSignIn("#/tasks/abc", true, "abc"), false);
  });
  test("the new-task view keeps what was picked", () => {
    assert.equal(r.keepsViewAfterSignIn("#/", true, null), true);
    assert.equal(r.keepsViewAfterSignIn("", true, null), true);
    assert.equal(r.keepsViewAfterSignIn("#history-title", true, null), true);
  });
  test("a task linked to while signed out, or no view yet: rebuilt", () => {
    assert.equal(r.keepsViewAfterSignIn("#/tasks/new1", true, null), false);
    assert.equal(r.keepsViewAfterSignIn("#/", false, null), false);
    assert.equal(r.keepsViewAfterSignIn("#main", true, "abc"), false);
  });
});

describe("words", () => {
  test("a refused sign-in is titled by what failed", () => {
    assert.match(a.signInFailureTitle("invalid_sign_in_code", 401), /link cannot be used/);
    assert.match(a.signInFailureTitle("unauthorized", 401), /token was not accepted/);
    assert.match(a.signInFailureTitle("network", 0), /could not be reached/);
    assert.equal(a.signInFailureTitle("invalid_sign_in", 400), "Could not sign in");
  });
  test("the header names the user, and says admin; nothing without accounts", () => {
    assert.equal(a.accountLabel({ name: "alice", admin: false, auth: "tokens" }), "alice");
    assert.equal(a.accountLabel({ name: "admin", admin: true, auth: "tokens" }), "admin (admin)");
    assert.equal(a.accountLabel({ name: "", admin: true, auth: "none" }), null);
    assert.equal(a.accountLabel(null), null);
  });
  test("the owner shows to an admin on someone else's task only", () => {
    const admin = { name: "root", admin: true, auth: "tokens" };
    const task = (owner) => ({ id: "t", kind: "image", status: "COMPLETED", owner });
    assert.equal(t.ownerText(task("alice"), admin), "alice");
    assert.equal(t.ownerText(task("root"), admin), null);
    assert.equal(t.ownerText(task(null), admin), null);
    assert.equal(t.ownerText(task("alice"), { name: "bob", admin: false, auth: "tokens" }), null);
    assert.equal(t.ownerText(task("alice"), { name: "", admin: true, auth: "none" }), null);
    assert.equal(t.ownerText(task("alice"), null), null);
  });
});
