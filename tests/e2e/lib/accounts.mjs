// Accounts in the browser tests: the users scripts/run_browser_tests.sh made (their tokens come in
// the environment), API calls from Node with a Bearer token, signing a page in through its form,
// and a second `trainbox serve` on a fresh data folder for the first-start one-time link.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO } from "./browser.mjs";

export const USERS = {
  e2e: process.env.TRAINBOX_TOKEN,
  other: process.env.TRAINBOX_OTHER_TOKEN,
  boss: process.env.TRAINBOX_ADMIN_TOKEN,
};

/** fetch() of `${base}api/v1/${path}` as `user` (default e2e), with Authorization: Bearer. */
export function apiFetch(base, apiPath, { user = "e2e", ...init } = {}) {
  const headers = { ...(init.headers ?? {}), Authorization: `Bearer ${USERS[user]}` };
  return fetch(`${base}api/v1/${apiPath}`, { ...init, headers });
}

/**
 * Opens `url` signed out (the browser's cookies cleared) and signs in as `user` through the page's
 * form; resolves once the header names the user.
 */
export async function signIn(page, url, user = "e2e") {
  assert.ok(USERS[user], `no token for user ${user} in the environment (run scripts/run_browser_tests.sh)`);
  await page.context().clearCookies();
  await page.goto(url);
  await page.waitForSelector('[data-testid="sign-in-form"]');
  await page.fill('[data-testid="sign-in-token"]', USERS[user]);
  await page.click('[data-testid="sign-in-submit"]');
  await page.waitForSelector('[data-testid="account-name"]');
  const shown = (await page.locator('[data-testid="account-name"]').textContent()).trim();
  assert.ok(shown === user || shown === `${user} (admin)`, `signed in as "${shown}", wanted ${user}`);
}

/**
 * Starts `trainbox serve` (TRAINBOX_BIN) on any free port (--port 0) with an empty data folder, so
 * it makes the admin and prints its one-time sign-in link; resolves with the link once printed
 * (the port is bound by then). No worker: this server trains nothing.
 */
export async function startFreshServer({ timeoutMs = 60_000 } = {}) {
  const bin = process.env.TRAINBOX_BIN;
  assert.ok(bin && fs.existsSync(bin), `TRAINBOX_BIN (${bin}) is not the trainbox binary`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "trainbox-fresh-"));
  const child = spawn(bin, ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--workers", "0"], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const link = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no sign-in link within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const read = (chunk) => {
      output += chunk;
      const match = /Sign in \(one-time link[^)]*\): (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => reject(new Error(`the fresh server exited (${code}) before its link:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { link, base: `${new URL(link).origin}/`, output: () => output, stop };
}
