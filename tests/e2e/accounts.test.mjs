// Accounts through the page, against the real server (TRAINBOX_URL, with the users e2e, other and
// boss made by scripts/run_browser_tests.sh): the sign-in form (a wrong token in words, the right
// one, sign out), a 401 mid-way that returns to the same task after signing in again, another
// user's task (not listed, "not found"; an admin sees it with its owner), and the first start's
// one-time link on a second server of its own (TRAINBOX_BIN).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { apiFetch, signIn, startFreshServer, USERS } from "./lib/accounts.mjs";
import { launch, newPage, shot } from "./lib/browser.mjs";

const BASE = process.env.TRAINBOX_URL;
const skip = BASE && USERS.e2e ? false : "TRAINBOX_URL/TRAINBOX_TOKEN are not set (scripts/run_browser_tests.sh starts the server)";

let chrome;
/** A task of user e2e, made from Node (a small CSV), deleted at the end. */
let taskId;

before(async () => {
  if (skip) return;
  chrome = await launch();
  const rows = ["text,label"];
  for (let i = 0; i < 12; i++) rows.push(`"good day number ${i}",good`, `"bad day number ${i}",bad`);
  const form = new FormData();
  form.append("dataset", new Blob([rows.join("\n") + "\n"], { type: "text/csv" }), "owned-by-e2e.csv");
  form.append("options", JSON.stringify({ epochs: 1 }));
  const res = await apiFetch(BASE, "tasks", { method: "POST", body: form });
  assert.equal(res.status, 202, `POST /tasks as e2e: ${await res.clone().text()}`);
  const task = await res.json();
  assert.equal(task.owner, "e2e");
  taskId = task.id;
});

after(async () => {
  if (taskId) await apiFetch(BASE, `tasks/${taskId}`, { method: "DELETE" }).catch(() => {});
  await chrome?.close();
});

const signInStatus = '[data-testid="sign-in-status"] [data-testid="error"]';

describe("accounts in the page", { skip }, () => {
  test("a wrong token is refused in words, the right one opens the app, sign out returns to the form", { timeout: 90_000 }, async () => {
    const { page, context, problems } = await newPage(chrome.browser);
    await page.context().clearCookies();
    await page.goto(BASE);
    await page.waitForSelector('[data-testid="sign-in-form"]');
    assert.equal(await page.locator('[data-testid="sign-in-token"]').getAttribute("type"), "password");
    assert.match(await page.locator('[data-testid="sign-in"]').textContent(), /trainbox users add NAME --data-dir/);
    assert.equal(await page.locator('[data-testid="folder-input"]').isVisible(), false, "the app stays hidden");
    assert.equal(await page.locator('[data-testid="account"]').count(), 0);

    await page.fill('[data-testid="sign-in-token"]', "tbx_not-a-real-token");
    await page.click('[data-testid="sign-in-submit"]');
    await page.waitForSelector(signInStatus);
    const refusal = await page.locator(signInStatus).textContent();
    assert.match(refusal, /The token was not accepted/);
    assert.match(refusal, /trainbox users (add|token)/, "the server's message is shown");
    await shot(page, "accounts-01-wrong-token");

    await page.fill('[data-testid="sign-in-token"]', USERS.e2e);
    await page.click('[data-testid="sign-in-submit"]');
    await page.waitForSelector('[data-testid="account-name"]');
    assert.equal((await page.locator('[data-testid="account-name"]').textContent()).trim(), "e2e");
    await page.waitForSelector('[data-testid="folder-input"]', { state: "attached" });
    await page.waitForSelector('[data-testid="task-link"]');
    assert.equal(await page.locator('[data-testid="sign-in"]').count(), 0);
    await page.waitForSelector('[data-testid="server-status"].ok');
    // The session is the HttpOnly cookie: no page script, storage or address holds the token.
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "trainbox_session");
    assert.ok(session, `cookies: ${cookies.map((c) => c.name)}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
    assert.equal(session.path, "/api/");
    const visible = await page.evaluate(() => document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + location.href);
    assert.ok(!visible.includes(USERS.e2e), "the token is readable by page script");
    await shot(page, "accounts-02-signed-in", { fullPage: false });

    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('[data-testid="sign-in-form"]');
    assert.match(await page.locator('[data-testid="sign-in-notice"]').textContent(), /signed out/);
    assert.equal(await page.locator('[data-testid="account"]').count(), 0);
    assert.equal(await page.evaluate(() => fetch("api/v1/me").then((r) => r.status)), 401);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("a 401 mid-way brings the sign-in view; signing in returns to the same task", { timeout: 90_000 }, async () => {
    const { page, context, problems } = await newPage(chrome.browser);
    await signIn(page, BASE, "e2e");
    await page.goto(`${BASE}#/tasks/${taskId}`);
    await page.waitForSelector('[data-testid="task-id"]');
    // The session ends (as when the token is rotated or the cookie expires): the next call is a 401.
    await page.context().clearCookies();
    await page.click('.history-head button:has-text("Refresh")');
    await page.waitForSelector('[data-testid="sign-in-form"]');
    assert.match(await page.locator('[data-testid="sign-in-notice"]').textContent(), /sign-in has ended/);
    assert.ok(page.url().endsWith(`#/tasks/${taskId}`), `the address keeps the task: ${page.url()}`);
    await shot(page, "accounts-03-session-ended");
    await page.fill('[data-testid="sign-in-token"]', USERS.e2e);
    await page.click('[data-testid="sign-in-submit"]');
    await page.waitForSelector('[data-testid="task-id"]');
    assert.equal((await page.locator('[data-testid="task-id"]').textContent()).trim(), taskId);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("another user's task is not listed and opens as not found; an admin sees its owner", { timeout: 90_000 }, async () => {
    const res = await apiFetch(BASE, `tasks/${taskId}`, { user: "other" });
    assert.equal(res.status, 404, "GET another user's task");
    const { page, context, problems } = await newPage(chrome.browser);
    await signIn(page, BASE, "other");
    await page.waitForSelector("#history-title");
    await page.waitForSelector('.history >> text="No tasks yet. Your trainings will be listed here."');
    assert.equal(await page.locator('[data-testid="task-link"]').count(), 0);
    await page.goto(`${BASE}#/tasks/${taskId}`);
    const error = page.locator('.task-head [data-testid="error"]');
    await error.waitFor();
    assert.match(await error.textContent(), /No such task/);
    assert.match(await error.textContent(), new RegExp(`no task with id '${taskId}'`), "the server's 404 in words");
    await shot(page, "accounts-04-other-users-task");

    await signIn(page, BASE, "boss");
    await page.goto(`${BASE}#/tasks/${taskId}`);
    await page.waitForSelector('[data-testid="task-owner"]');
    assert.equal((await page.locator('[data-testid="task-owner"]').textContent()).trim(), "e2e");
    await page.waitForSelector(`[data-testid="task-link"][href="#/tasks/${taskId}"]`);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });
});

describe("the first start's one-time sign-in link", { skip: process.env.TRAINBOX_BIN ? skip : "TRAINBOX_BIN is not set" }, () => {
  test("signs the admin in, shows the token once, leaves the address; a second use is refused", { timeout: 120_000 }, async () => {
    const server = await startFreshServer();
    // A browser of its own: cookies are shared across ports of one host.
    const own = await launch();
    try {
      const { page, problems } = await newPage(own.browser);
      await page.goto(server.link);
      await page.waitForSelector('[data-testid="token-panel"]');
      assert.equal(await page.evaluate(() => location.hash), "", "the code left the address");
      assert.ok(!page.url().includes("sign-in"), page.url());
      const token = await page.inputValue('[data-testid="admin-token"]');
      assert.match(token, /^tbx_[0-9a-f]{16,}$/);
      assert.equal((await page.locator('[data-testid="account-name"]').textContent()).trim(), "admin (admin)");
      const me = await page.evaluate(() => fetch("api/v1/me").then((r) => r.json()));
      assert.deepEqual(me, { name: "admin", admin: true, auth: "tokens" });
      const byToken = await fetch(`${server.base}api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(byToken.status, 200, "the shown token works for API clients");
      await page.waitForSelector('[data-testid="folder-input"]', { state: "attached" });
      await shot(page, "accounts-05-admin-token", { fullPage: false });
      await page.click('[data-testid="copy-token"]');
      await page.waitForFunction(() => /Copied|Selected/.test(document.querySelector('[data-testid="copy-token"]')?.textContent ?? ""));
      await page.click('[data-testid="dismiss-token"]');
      assert.equal(await page.locator('[data-testid="token-panel"]').count(), 0);
      assert.equal(await page.locator(`text=${token}`).count(), 0);

      // The same link again, still signed in: the app, and the refusal above it.
      await page.goto("about:blank");
      await page.goto(server.link);
      const notice = page.locator('[data-testid="notices"] [data-testid="error"]');
      await notice.waitFor();
      assert.match(await notice.textContent(), /This sign-in link cannot be used/);
      assert.match(await notice.textContent(), /used or expired/);
      assert.equal(await page.evaluate(() => location.hash), "");
      assert.equal(await page.locator('[data-testid="token-panel"]').count(), 0);

      // Signed out: the sign-in form, with the refusal.
      await page.context().clearCookies();
      await page.goto("about:blank");
      await page.goto(server.link);
      await page.waitForSelector(signInStatus);
      assert.match(await page.locator(signInStatus).textContent(), /This sign-in link cannot be used/);
      assert.equal(await page.evaluate(() => location.hash), "");
      await shot(page, "accounts-06-link-used");
      // A link pasted into the open tab arrives as a hash change: also taken, also removed.
      await page.evaluate((hash) => (location.hash = hash), new URL(server.link).hash);
      await page.waitForFunction(() => location.hash === "");
      await page.waitForSelector(signInStatus);
      assert.deepEqual(problems.pageErrors, []);
    } finally {
      await own.close();
      await server.stop();
    }
  });
});
