// Launches Debian's Chromium through playwright-core (no browser download), and keeps the
// screenshots of each step under <repo>/test-artifacts/.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const ARTIFACTS = process.env.TRAINBOX_ARTIFACTS || path.join(REPO, "test-artifacts", "browser");
export const DOC_SHOTS = path.join(REPO, "docs", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/install_web_deps.sh (apt-get install chromium)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "trainbox-chromium-"));
  // A fresh --user-data-dir per run: playwright-core takes it as launchPersistentContext's folder.
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A page that records console errors, page errors and dialogs (an XSS would open one). */
export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height });
  // Tests close "context" when done: here that closes only this page.
  const context = { close: () => page.close() };
  const problems = { pageErrors: [], dialogs: [] };
  page.on("pageerror", (e) => problems.pageErrors.push(String(e)));
  page.on("dialog", async (d) => {
    problems.dialogs.push(d.message());
    await d.dismiss().catch(() => {});
  });
  return { context, page, problems };
}

/** A screenshot of the page, or of one element when `element` (a locator) is given. */
export async function shot(page, name, { fullPage = true, doc = null, element = null } = {}) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  if (element) await element.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage });
  if (doc && process.env.TRAINBOX_UPDATE_DOC_SCREENSHOTS === "1") {
    fs.mkdirSync(DOC_SHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(DOC_SHOTS, `${doc}.png`));
  }
  return file;
}
