// End-to-end through the real server (TRAINBOX_URL, started by scripts/run_browser_tests.sh):
// pick a generated folder, train, follow it live, see the evaluation and the model search's
// leaderboard, open a confusion-matrix cell's validation items, predict a file, download the
// bundle; and upload a broken archive and see the error in words. The server has accounts: every
// page signs in as user e2e through the sign-in form first, and Node's calls send its token.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import { apiFetch, signIn, USERS } from "./lib/accounts.mjs";
import { launch, newPage, shot } from "./lib/browser.mjs";
import { writeShapeDataset } from "./lib/images.mjs";

const BASE = process.env.TRAINBOX_URL;
const TRAIN_TIMEOUT_MS = Number(process.env.TRAINBOX_TRAIN_TIMEOUT_MS || 600_000);
const skip = BASE && USERS.e2e ? false : "TRAINBOX_URL/TRAINBOX_TOKEN are not set (scripts/run_browser_tests.sh starts the server)";

let chrome;
let tmp;

before(async () => {
  if (!BASE) return;
  chrome = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trainbox-e2e-"));
});

after(async () => {
  await chrome?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function getTask(id) {
  const res = await apiFetch(BASE, `tasks/${encodeURIComponent(id)}`);
  assert.equal(res.status, 200, `GET /tasks/${id}`);
  return res.json();
}

/**
 * The "Model search" table of a completed task: at least `minRows` candidates, at least one kept,
 * and every kept one is the model the API says was kept (metrics.model.architecture).
 */
async function checkLeaderboard(page, taskId, { minRows = 2 } = {}) {
  const task = await getTask(taskId);
  const architecture = task.metrics?.model?.architecture;
  assert.ok(typeof architecture === "string" && architecture, `metrics.model.architecture: ${JSON.stringify(task.metrics?.model)}`);
  assert.ok(Array.isArray(task.metrics?.leaderboard), "metrics.leaderboard is an array");
  await page.waitForSelector('[data-testid="model-search"] [data-testid="leaderboard"]');
  const rows = page.locator('[data-testid="leaderboard"] [data-testid="leaderboard-row"]');
  const count = await rows.count();
  assert.ok(count >= minRows, `leaderboard has ${count} rows, wanted >= ${minRows}`);
  assert.equal(count, task.metrics.leaderboard.length, "one row per metrics.leaderboard entry");
  const kept = (await page.locator('[data-testid="leaderboard-row"][data-kept="true"] [data-testid="candidate"]').allTextContents()).map((t) => t.trim());
  assert.ok(kept.length >= 1, "at least one row is marked kept");
  // The kept row is the architecture; an ensemble also keeps its members (named inside it).
  assert.ok(kept.includes(architecture), `kept rows ${kept} include metrics.model.architecture ${architecture}`);
  for (const name of kept) {
    if (name !== architecture) assert.ok(architecture.startsWith("ensemble(") && architecture.includes(name), `kept row ${name} is a member of ${architecture}`);
  }
  // The API agrees: the kept entries are the architecture too.
  const apiKept = task.metrics.leaderboard.filter((r) => r.kept).map((r) => r.candidate);
  assert.deepEqual(apiKept.sort(), kept.sort());
  assert.match(await page.locator('[data-testid="leaderboard-row"][data-kept="true"] [data-testid="outcome"]').first().textContent(), /kept/);
  // An empty history (a model not trained by epochs) shows a note instead of empty charts.
  const history = task.metrics.history ?? [];
  if (history.length === 0) {
    await page.waitForSelector('[data-testid="no-curve"]');
    assert.equal(await page.locator('[data-testid="charts"] svg').count(), 0);
  } else {
    assert.ok((await page.locator('[data-testid="charts"] svg').count()) >= 2, "loss and accuracy curves");
  }
  console.log(`  leaderboard: ${count} rows, kept ${kept.join(", ")} (history: ${history.length} epochs)`);
  return { task, architecture };
}

/**
 * Clicks a non-zero diagonal cell of the confusion matrix: the panel lists exactly the validation
 * items of that cell (as many as the count), each with a decoded thumbnail (image) or its text,
 * and one GET /validation serves every cell.
 */
async function checkCellItems(page, taskId, { kind, textPattern = null, shotName = null }) {
  const task = await getTask(taskId);
  const matrix = task.metrics.confusion_matrix;
  const res = await apiFetch(BASE, `tasks/${encodeURIComponent(taskId)}/validation`);
  assert.equal(res.status, 200, `GET /tasks/${taskId}/validation`);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  const validation = await res.json();
  assert.equal(validation.kind, kind);
  const row = matrix.findIndex((r, i) => Number(r[i]) > 0);
  assert.ok(row >= 0, `a non-zero diagonal cell in ${JSON.stringify(matrix)}`);
  const count = matrix[row][row];
  const inCell = validation.items.filter((i) => i.label === row && i.predicted === row).length;
  if (!validation.truncated) assert.equal(inCell, count, "validation items of the cell = its count");
  const requests = [];
  const onRequest = (r) => {
    if (/\/validation$/.test(new URL(r.url()).pathname)) requests.push(r.url());
  };
  page.on("request", onRequest);
  const cell = page.locator(`[data-testid="cm-cell"][data-row="${row}"][data-col="${row}"]`);
  assert.equal((await cell.textContent()).trim(), String(count));
  await cell.click();
  await page.waitForSelector('[data-testid="cell-items"] [data-testid="cell-item"]', { timeout: 30_000 });
  const items = page.locator('[data-testid="cell-items"] [data-testid="cell-item"]');
  assert.equal(await items.count(), inCell, `the panel lists ${inCell} items`);
  assert.equal(await cell.getAttribute("aria-pressed"), "true");
  const className = task.classes[row];
  for (const text of await items.allTextContents()) assert.ok(text.includes(`True: ${className} · predicted: ${className}`), text);
  if (kind === "image") {
    const images = page.locator('[data-testid="cell-items"] [data-testid="cell-item-image"]');
    assert.equal(await images.count(), inCell, "one thumbnail per item");
    const decoded = await images.evaluateAll((els) => els.map((img) => img.src.startsWith("data:image/png;base64,") && img.complete && img.naturalWidth > 0 && img.naturalWidth <= 64));
    assert.ok(decoded.every(Boolean), `thumbnails decode as <= 64 px PNGs: ${decoded}`);
  } else {
    const texts = await page.locator('[data-testid="cell-items"] [data-testid="cell-item-text"]').allTextContents();
    assert.equal(texts.length, inCell, "one text per item");
    for (const t of texts) assert.ok(t.length > 0 && (!textPattern || textPattern.test(t)), `item text: ${t}`);
    assert.equal(await page.locator('[data-testid="cell-items"] img').count(), 0);
  }
  if (shotName) await shot(page, shotName, { element: page.locator(".heatmap-block") });
  // Another cell is served from the same answer.
  const buttons = page.locator('[data-testid="cm-cell"]');
  for (let i = 0; i < (await buttons.count()); i++) {
    const b = buttons.nth(i);
    if ((await b.getAttribute("data-row")) === String(row) && (await b.getAttribute("data-col")) === String(row)) continue;
    await b.click();
    await page.waitForFunction((el) => el.getAttribute("aria-pressed") === "true", await b.elementHandle());
    break;
  }
  page.off("request", onRequest);
  assert.ok(requests.length <= 1, `GET /validation sent ${requests.length} times`);
  console.log(`  cell ${className}/${className}: ${inCell} items shown (${validation.items.length} validation items in all)`);
}

async function waitForStatus(page, statuses, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const status = (await page.locator('.task-title [data-testid="status"]').textContent().catch(() => null))?.trim();
    if (status && statuses.includes(status)) return status;
    if (Date.now() > deadline) throw new Error(`task status is ${status}, waited ${timeout} ms for ${statuses.join("/")}`);
    await page.waitForTimeout(250);
  }
}

describe("trainbox page against the server", { skip }, () => {
  test("folder -> preview -> train live -> evaluation -> predict -> download", { timeout: TRAIN_TIMEOUT_MS + 120_000 }, async () => {
    const root = path.join(tmp, "shapes");
    const classes = writeShapeDataset(root, { perClass: 20, size: 64 });
    fs.writeFileSync(path.join(root, "README.txt"), "three classes of shapes");

    const { page, context, problems } = await newPage(chrome.browser);
    await signIn(page, BASE);
    await page.waitForSelector('[data-testid="server-status"].ok');

    // 1. Pick the folder: classes, counts and thumbnails before anything is sent.
    await page.setInputFiles('[data-testid="folder-input"]', root);
    await page.waitForSelector('[data-testid="class-grid"]');
    assert.deepEqual((await page.locator('[data-testid="class-name"]').allTextContents()).sort(), classes);
    assert.match(await page.locator('[data-testid="issues"]').textContent(), /not an image/);
    await page.locator("details.advanced summary").click();
    await page.fill("#opt-epochs", "3");
    await shot(page, "e2e-01-upload-preview", { doc: "upload-preview" });

    // 2. Start: resize, zip, upload with progress, then the task page follows it live.
    await page.click('[data-testid="start"]');
    await page.waitForURL(/#\/tasks\/[^/]+$/, { timeout: 120_000 });
    const taskId = decodeURIComponent(page.url().split("#/tasks/")[1]);
    assert.match(await page.locator('[data-testid="upload-note"]').textContent(), /Uploaded .* for 60 images/);
    await waitForStatus(page, ["RUNNING", "COMPLETED", "FAILED"], TRAIN_TIMEOUT_MS);

    // A live screenshot, ideally with the first curve points drawn.
    let liveShot = false;
    const liveDeadline = Date.now() + TRAIN_TIMEOUT_MS;
    while (Date.now() < liveDeadline) {
      const status = (await page.locator('.task-title [data-testid="status"]').textContent())?.trim();
      if (status !== "RUNNING") break;
      if ((await page.locator('[data-testid="charts"] svg .dot').count()) > 0 || (await page.locator('[data-testid="train-progress"]').count()) > 0 && !liveShot) {
        await shot(page, "e2e-02-training-live", { doc: "training-live" });
        liveShot = true;
        if ((await page.locator('[data-testid="charts"] svg .dot').count()) > 0) break;
      }
      await page.waitForTimeout(200);
    }

    // 3. Completed: accuracy, per-class precision/recall and the confusion matrix.
    const final = await waitForStatus(page, ["COMPLETED", "FAILED", "CANCELLED"], TRAIN_TIMEOUT_MS);
    if (final !== "COMPLETED") {
      await shot(page, "e2e-03-training-failed");
      assert.fail(`training ended ${final}: ${await page.locator('[data-testid="error"]').textContent().catch(() => "")}`);
    }
    await page.waitForSelector('[data-testid="per-class"]');
    assert.match(await page.locator('[data-testid="val-accuracy"]').textContent(), /%$/);
    // The model search: the leaderboard, its kept row = metrics.model.architecture, and the curves
    // (or the note that the kept model has none).
    const { architecture } = await checkLeaderboard(page, taskId);
    // The model choice and its reason (auto: the best candidate of the search; no backbones here).
    const choice = await page.locator('[data-testid="model-choice"]').textContent();
    assert.ok(choice.includes(`Model: ${architecture}`), `model choice: ${choice}`);
    assert.match(choice, /auto/);
    assert.equal(await page.locator('[data-testid="per-class"] tbody tr').count(), 3);
    assert.equal(await page.locator(".heatmap tbody tr").count(), 3);
    await shot(page, "e2e-03-evaluation", { doc: "evaluation" });
    await shot(page, "e2e-03-model-search", { doc: "model-search", element: page.locator('[data-testid="model-search"]') });
    // The validation items behind a diagonal cell of the confusion matrix.
    await checkCellItems(page, taskId, { kind: "image", shotName: "e2e-03-cell-items" });

    // 4. Predict: the task id is filled in; pick an image.
    assert.equal(await page.inputValue('[data-testid="predict-task-id"]'), taskId);
    await page.setInputFiles('[data-testid="predict-file"]', path.join(root, "circle", "circle-00.png"));
    await page.waitForSelector('[data-testid="prediction"] .bars li', { timeout: 60_000 });
    const labels = await page.locator('[data-testid="prediction"] .bar-label').allTextContents();
    assert.ok(labels.length >= 1 && labels.length <= 3, `top classes: ${labels}`);
    for (const l of labels) assert.ok(classes.includes(l), `unknown label ${l}`);
    await page.locator('[data-testid="predictions"]').scrollIntoViewIfNeeded();
    await shot(page, "e2e-04-prediction", { doc: "prediction", fullPage: false });

    // 5. Download the bundle with one click.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="download"]')]);
    const file = path.join(tmp, "bundle.zip");
    await download.saveAs(file);
    const entries = unzipSync(new Uint8Array(fs.readFileSync(file)));
    const names = Object.keys(entries).map((n) => n.split("/").pop());
    assert.ok(names.includes("model.pt"), `bundle holds ${Object.keys(entries)}`);
    assert.ok(names.includes("classes.json"), `bundle holds ${Object.keys(entries)}`);
    const classMap = JSON.parse(new TextDecoder().decode(entries[Object.keys(entries).find((n) => n.endsWith("classes.json"))]));
    assert.deepEqual(Object.values(classMap).sort(), classes);

    // 6. The task is in the list of past tasks (the nav link scrolls there, the task stays open).
    await page.click('nav >> text="Past tasks"');
    await page.waitForSelector(`[data-testid="task-link"][href="#/tasks/${taskId}"]`);
    assert.equal(await page.locator('[data-testid="per-class"]').count(), 1);

    // 7. The finished task at phone width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}#/tasks/${taskId}`);
    await page.waitForSelector('[data-testid="per-class"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `task page is ${overflow}px wider than a phone screen`);
    await shot(page, "e2e-06-phone-evaluation");
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("a running task can be cancelled", { timeout: 300_000 }, async () => {
    const root = path.join(tmp, "cancel-me");
    writeShapeDataset(root, { perClass: 12, size: 64, seed: 21 });
    const { page, context } = await newPage(chrome.browser);
    await signIn(page, BASE);
    await page.setInputFiles('[data-testid="folder-input"]', root);
    await page.waitForSelector('[data-testid="class-grid"]');
    await page.locator("details.advanced summary").click();
    await page.fill("#opt-epochs", "500");
    await page.click('[data-testid="start"]');
    await page.waitForURL(/#\/tasks\/[^/]+$/, { timeout: 120_000 });
    const running = await waitForStatus(page, ["RUNNING", "COMPLETED", "FAILED", "CANCELLED"], 120_000);
    if (running !== "RUNNING") {
      assert.fail(`task ended ${running} before it could be cancelled: ${await page.locator('[data-testid="error"]').textContent().catch(() => "")}`);
    }
    await page.locator('[data-testid="cancel"]').click({ timeout: 30_000 });
    const final = await waitForStatus(page, ["CANCELLED", "FAILED", "COMPLETED"], 240_000);
    assert.equal(final, "CANCELLED");
    await page.waitForSelector('[data-testid="cancelled"]');
    await shot(page, "e2e-07-cancelled");
    await context.close();
  });

  test("a text task: CSV -> train -> predict a typed text", { timeout: TRAIN_TIMEOUT_MS + 60_000 }, async () => {
    const csv = path.join(tmp, "moods.csv");
    const good = ["great", "lovely", "wonderful", "happy", "excellent", "nice", "superb", "fine"];
    const bad = ["awful", "terrible", "sad", "horrible", "bad", "poor", "dreadful", "nasty"];
    const rows = ["text,label"];
    for (let i = 0; i < 40; i++) {
      rows.push(`"what a ${good[i % good.length]} day, ${good[(i + 3) % good.length]} indeed",happy`);
      rows.push(`"what a ${bad[i % bad.length]} day, ${bad[(i + 3) % bad.length]} indeed",sad`);
    }
    fs.writeFileSync(csv, rows.join("\n") + "\n");
    const { page, context } = await newPage(chrome.browser);
    await signIn(page, BASE);
    await page.setInputFiles('[data-testid="file-input"]', csv);
    await page.waitForSelector('[data-testid="class-grid"]');
    await page.locator("details.advanced summary").click();
    await page.fill("#opt-epochs", "3");
    await page.click('[data-testid="start"]');
    await page.waitForURL(/#\/tasks\/[^/]+$/, { timeout: 60_000 });
    const final = await waitForStatus(page, ["COMPLETED", "FAILED", "CANCELLED"], TRAIN_TIMEOUT_MS);
    if (final !== "COMPLETED") {
      await shot(page, "e2e-08-text-failed");
      assert.fail(`text training ended ${final}: ${await page.locator('[data-testid="error"]').textContent().catch(() => "")}`);
    }
    // auto on a text task: tfidf_linear and embedding are both tried.
    const textTaskId = decodeURIComponent(page.url().split("#/tasks/")[1]);
    await checkLeaderboard(page, textTaskId);
    await checkCellItems(page, textTaskId, { kind: "text", textPattern: /^what a \w+ day, \w+ indeed$/, shotName: "e2e-08-text-cell-items" });
    await page.fill('[data-testid="predict-text"]', "what a lovely day");
    await page.click('[data-testid="predict-button"]');
    await page.waitForSelector('[data-testid="prediction"] .bars li', { timeout: 60_000 });
    const labels = await page.locator('[data-testid="prediction"] .bar-label').allTextContents();
    assert.ok(labels.every((l) => l === "happy" || l === "sad"), `labels: ${labels}`);
    await shot(page, "e2e-08-text-prediction");
    await context.close();
  });

  test("a broken archive shows the server's reason", { timeout: 180_000 }, async () => {
    const broken = path.join(tmp, "broken.zip");
    fs.writeFileSync(broken, Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(300, 7)]));
    const { page, context } = await newPage(chrome.browser);
    // No EventSource in this page: it must follow the task by polling GET /tasks/{id}.
    await page.addInitScript(() => {
      delete window.EventSource;
    });
    await signIn(page, BASE);
    await page.setInputFiles('[data-testid="file-input"]', broken);
    await page.waitForSelector('[data-testid="preview"] h3');
    await page.click('[data-testid="start"]');
    // Either the upload is refused (400) or the task fails: both show the reason as an alert.
    const error = page.locator('[data-testid="error"]');
    await error.first().waitFor({ timeout: 150_000 });
    const text = (await error.first().locator(".error-message").textContent()).trim();
    assert.ok(text.length > 10, `error shown: "${text}"`);
    await shot(page, "e2e-05-broken-archive");
    await context.close();
  });
});
