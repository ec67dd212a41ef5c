// Browser tests that need only the built page (served from web/dist by a tiny static server):
// the resize rule against a reference computed in Node, the dataset preview with its checks,
// escaping of class names, keyboard reach and phone-width layout; a finished task (API answers
// mocked) with its model-search leaderboard and no per-epoch history, and the validation items
// behind a confusion-matrix cell (names, texts and thumbnails from the dataset stay inert); the
// owner line an admin sees. The API answers 503 here unless mocked: GET /me too, so the page opens
// the app without asking for a token.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { unzipSync } from "fflate";
import { launch, newPage, shot } from "./lib/browser.mjs";
import { patternImage, rng, shapeImage, writeShapeDataset } from "./lib/images.mjs";
import { encodePng } from "./lib/png.mjs";
import { referenceResize } from "./lib/reference-resize.mjs";
import { serveDist } from "./lib/static-server.mjs";

const XSS = "<img src=x onerror=alert(1)>";
let server;
let chrome;
let tmp;

before(async () => {
  server = await serveDist();
  chrome = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trainbox-page-"));
});

after(async () => {
  await chrome?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("resize rule", () => {
  const cases = [
    { name: "gradient 640x480 (shrink 2.1x)", w: 640, h: 480, kind: "gradient" },
    { name: "shapes 64x64 (enlarge 3.5x)", w: 64, h: 64, kind: "shapes" },
    { name: "stripes 300x520 (portrait crop)", w: 300, h: 520, kind: "stripes" },
    { name: "noise 1000x900 (shrink 4x, aliasing-prone)", w: 1000, h: 900, kind: "noise" },
    { name: "alpha 231x200 (composited on white)", w: 231, h: 200, kind: "alpha", alpha: true },
    { name: "shapes 224x224 (identity)", w: 224, h: 224, kind: "shapes" },
  ];

  test("the page's resize function gives the reference pixels (mean abs diff < 3/255 per channel)", async () => {
    const { page, context } = await newPage(chrome.browser);
    await page.goto(server.url);
    await page.waitForFunction(() => Boolean(window.trainbox?.resizeToPixels));
    for (const [i, c] of cases.entries()) {
      const rgba = patternImage(c.w, c.h, c.kind, 11 + i);
      const png = encodePng(c.w, c.h, rgba, { alpha: Boolean(c.alpha) });
      const result = await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const blob = new Blob([bytes], { type: "image/png" });
        const px = await window.trainbox.resizeToPixels(blob);
        // Also the uploaded form: JPEG q=0.92, decoded again.
        const jpeg = await window.trainbox.encodeImage(px, "image/jpeg", 0.92);
        const back = await window.trainbox.decodeSquare(jpeg);
        // Base64 strings cross the protocol much faster than arrays of numbers.
        const toB64 = (u8) => {
          let bin = "";
          for (let i = 0; i < u8.length; i += 0x8000) bin += String.fromCharCode(...u8.subarray(i, i + 0x8000));
          return btoa(bin);
        };
        return { width: px.width, height: px.height, data: toB64(px.data), jpeg: toB64(back.data) };
      }, png.toString("base64"));
      result.data = Buffer.from(result.data, "base64");
      result.jpeg = Buffer.from(result.jpeg, "base64");
      assert.equal(result.width, 224);
      assert.equal(result.height, 224);
      const ref = referenceResize(rgba, c.w, c.h, 224);
      const stats = (data) => {
        const sum = [0, 0, 0];
        let max = 0;
        for (let p = 0; p < 224 * 224; p++) {
          for (let ch = 0; ch < 3; ch++) {
            const d = Math.abs(data[p * 4 + ch] - ref[p * 3 + ch]);
            sum[ch] += d;
            max = Math.max(max, d);
          }
        }
        return { mean: sum.map((s) => s / (224 * 224)), max };
      };
      const exact = stats(result.data);
      const jpeg = stats(result.jpeg);
      console.log(
        `  ${c.name}: mean abs diff per channel ${exact.mean.map((m) => m.toFixed(3)).join("/")} (max ${exact.max}); after JPEG ${jpeg.mean.map((m) => m.toFixed(2)).join("/")}`,
      );
      for (const m of exact.mean) assert.ok(m < 3, `${c.name}: mean abs diff ${m} >= 3/255`);
      assert.ok(exact.max <= 2, `${c.name}: max abs diff ${exact.max} > 2`);
      if (c.kind !== "noise" && c.kind !== "stripes") {
        for (const m of jpeg.mean) assert.ok(m < 3, `${c.name} after JPEG: mean abs diff ${m} >= 3/255`);
      }
    }
    await context.close();
  });
});

describe("dataset preview", () => {
  test("shows classes, counts, thumbnails and warnings; class names are text, never markup", async () => {
    const root = path.join(tmp, "mixed");
    writeShapeDataset(root, { perClass: 12, shapes: ["circle"] });
    writeShapeDataset(root, { perClass: 3, shapes: ["square"], seed: 3 });
    writeShapeDataset(root, { perClass: 1, shapes: [XSS], seed: 5 });
    fs.writeFileSync(path.join(root, "circle", "notes.txt"), "not an image");
    fs.writeFileSync(path.join(root, ".DS_Store"), "junk");

    const { page, context, problems } = await newPage(chrome.browser);
    await page.goto(server.url);
    await page.setInputFiles('[data-testid="folder-input"]', root);
    await page.waitForSelector('[data-testid="class-grid"]');
    const names = await page.locator('[data-testid="class-name"]').allTextContents();
    assert.deepEqual(names.sort(), ["circle", "square", XSS].sort());
    assert.equal(await page.locator('[data-testid="class-grid"] img').count(), 4 + 3 + 1);
    const issues = await page.locator('[data-testid="issues"]').textContent();
    assert.match(issues, /fewer than 2 images/);
    assert.match(issues, /"square" \(3\)/);
    assert.match(issues, /not an image/);
    assert.match(issues, /very unequal/);
    assert.ok(await page.locator('[data-testid="start"]').isDisabled(), "an error must block the upload");
    // The hostile class name is shown as text: no element was created from it, no script ran.
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.waitForTimeout(300);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.pageErrors, []);
    await shot(page, "page-01-preview-with-warnings");
    await context.close();
  });

  test("a good folder enables training; keyboard reaches the pickers; fits a phone screen", async () => {
    const root = path.join(tmp, "shapes");
    writeShapeDataset(root, { perClass: 12 });
    const { page, context, problems } = await newPage(chrome.browser, { width: 390, height: 844 });
    await page.goto(server.url);
    // Keyboard: Tab reaches the folder button and Enter would open the picker.
    const reached = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      reached.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ""));
    }
    assert.ok(reached.includes("Choose a folder…"), `tab order: ${reached.join(" | ")}`);
    assert.ok(reached.includes("Choose a zip or CSV…"));
    await page.setInputFiles('[data-testid="folder-input"]', root);
    await page.waitForSelector('[data-testid="class-grid"]');
    assert.equal(await page.locator('[data-testid="class-name"]').count(), 3);
    assert.ok(await page.locator('[data-testid="start"]').isEnabled());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
    await shot(page, "page-02-phone-preview");
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("the upload is a zip of <class>/<file>.jpg at 224x224 plus kind and options", async () => {
    const root = path.join(tmp, "upload");
    writeShapeDataset(root, { perClass: 5, size: 80, shapes: ["circle", "square"] });
    // A wide image: its centred square is what gets resized.
    fs.writeFileSync(path.join(root, "square", "wide.png"), encodePng(320, 120, patternImage(320, 120, "gradient")));
    const { page, context } = await newPage(chrome.browser);
    const workers = [];
    page.on("worker", (w) => workers.push(w.url()));
    let body = null;
    let contentType = "";
    await page.route("**/api/v1/tasks", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      body = route.request().postDataBuffer();
      contentType = route.request().headers()["content-type"];
      await route.fulfill({
        status: 400,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "dataset_invalid", message: "test refusal: <b>not bold</b>" } }),
      });
    });
    await page.goto(server.url);
    await page.setInputFiles('[data-testid="folder-input"]', root);
    await page.waitForSelector('[data-testid="class-grid"]');
    await page.locator("details.advanced summary").click();
    await page.fill("#opt-epochs", "3");
    await page.fill("#opt-val", "0.25");
    await page.click('[data-testid="start"]');
    const error = page.locator('[data-testid="upload-status"] [data-testid="error"] .error-message');
    await error.waitFor();
    assert.equal((await error.textContent()).trim(), "test refusal: <b>not bold</b>");
    assert.ok(body, "the page posted the dataset");
    assert.ok(workers.some((u) => /resize\.worker/.test(u)), `images are resized in workers (${workers})`);
    const boundary = /boundary=(.+)$/.exec(contentType)[1];
    const parts = {};
    for (const raw of body.toString("latin1").split(`--${boundary}`)) {
      const m = /name="([^"]+)"(?:; filename="([^"]*)")?\r\n(?:Content-Type: [^\r]*\r\n)?\r\n/.exec(raw);
      if (!m) continue;
      const start = raw.indexOf("\r\n\r\n") + 4;
      parts[m[1]] = { filename: m[2], data: Buffer.from(raw.slice(start, raw.length - 2), "latin1") };
    }
    assert.equal(parts.kind.data.toString(), "image");
    assert.deepEqual(JSON.parse(parts.options.data.toString()), { epochs: 3, val_fraction: 0.25 });
    assert.match(parts.dataset.filename, /\.zip$/);
    const entries = unzipSync(new Uint8Array(parts.dataset.data));
    const names = Object.keys(entries).sort();
    assert.equal(names.length, 11);
    assert.ok(names.includes("square/wide.jpg"), names.join(", "));
    assert.ok(names.every((n) => /^(circle|square)\/[^/]+\.jpg$/.test(n)), names.join(", "));
    // Each entry is a 224x224 JPEG (SOF0 frame size).
    for (const n of names) {
      const jpg = Buffer.from(entries[n]);
      assert.equal(jpg.readUInt16BE(0), 0xffd8, `${n} is a JPEG`);
      const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
      assert.ok(sof > 0, `${n} has a baseline frame`);
      assert.equal(jpg.readUInt16BE(sof + 5), 224, `${n} height`);
      assert.equal(jpg.readUInt16BE(sof + 7), 224, `${n} width`);
    }
    await shot(page, "page-03-upload-refused");
    await context.close();
  });

  test("a dropped CSV is previewed with its labels", async () => {
    const csv = path.join(tmp, "reviews.csv");
    fs.writeFileSync(csv, 'text,label\n"good, really",pos\nbad,neg\n"she said ""fine""",pos\nawful,neg\n');
    const { page, context } = await newPage(chrome.browser);
    await page.goto(server.url);
    await page.setInputFiles('[data-testid="file-input"]', csv);
    await page.waitForSelector('[data-testid="class-grid"]');
    const names = await page.locator('[data-testid="class-name"]').allTextContents();
    assert.deepEqual(names.sort(), ["neg", "pos"]);
    assert.match(await page.locator('[data-testid="preview"]').textContent(), /4 rows/);
    await context.close();
  });
});

describe("finished task (mocked API)", () => {
  const ID = "0123456789abcdef0123456789abcdef";
  const task = {
    id: ID,
    kind: "image",
    status: "COMPLETED",
    created_at: "2026-01-02T10:00:00Z",
    finished_at: "2026-01-02T10:01:00Z",
    dataset: { name: "shapes.zip", num_items: 60 },
    classes: ["circle", "square", XSS],
    metrics: {
      val_accuracy: 0.97,
      history: [],
      model: { architecture: "kernel_rbf", image_size: 24, reason: "auto: kernel_rbf was best on validation (0.970) of 3 candidates tried" },
      per_class: {},
      confusion_matrix: [],
      leaderboard: [
        { candidate: "tiny_cnn", val_accuracy: 0.9, val_loss: 0.3, seconds: 12.5, items_per_s: 80, kept: false, why: "6.7 points below the kept model on validation" },
        { candidate: "kernel_rbf", val_accuracy: 0.97, val_loss: 0.2, seconds: 0.4, items_per_s: 900, kept: true, why: "best on validation", details: { gamma: 0.01 } },
        { candidate: XSS, val_accuracy: null, seconds: null, kept: false, why: `skipped: ${XSS}` },
      ],
    },
  };

  test("shows the leaderboard as text with the kept row marked, and no chart for an empty history", async () => {
    const { page, context, problems } = await newPage(chrome.browser);
    await page.route(`**/api/v1/tasks/${ID}`, (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(task) }));
    await page.goto(`${server.url}#/tasks/${ID}`);
    await page.waitForSelector('[data-testid="leaderboard"]');
    const rows = page.locator('[data-testid="leaderboard-row"]');
    assert.equal(await rows.count(), 3);
    // Best first, skipped last; the kept one is marked (and only it).
    const names = (await page.locator('[data-testid="leaderboard-row"] [data-testid="candidate"]').allTextContents()).map((t) => t.trim());
    assert.deepEqual(names, ["kernel_rbf", "tiny_cnn", XSS]);
    const kept = page.locator('[data-testid="leaderboard-row"][data-kept="true"]');
    assert.equal(await kept.count(), 1);
    assert.equal((await kept.locator('[data-testid="candidate"]').textContent()).trim(), "kernel_rbf");
    assert.match(await kept.textContent(), /97\.0%.*0\.40 s.*kept.*best on validation/);
    assert.match(await rows.nth(1).textContent(), /90\.0%.*12\.5 s.*dropped.*6\.7 points below/);
    assert.match(await rows.nth(2).textContent(), /—.*—.*skipped/);
    assert.equal((await rows.nth(2).locator('[data-testid="outcome"]').textContent()).trim(), `skipped skipped: ${XSS}`);
    // Empty history: a sentence, no empty chart.
    assert.match(await page.locator('[data-testid="no-curve"]').textContent(), /No per-epoch curve for this model: kernel_rbf is not trained by epochs/);
    assert.equal(await page.locator('[data-testid="charts"] svg').count(), 0);
    // Server strings stay text.
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.waitForTimeout(300);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.pageErrors, []);
    await shot(page, "page-04-model-search");
    // Phone width: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `task page is ${overflow}px wider than a phone screen`);
    const tableOverflow = await page.locator('[data-testid="model-search"] .table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(tableOverflow <= 0, `the leaderboard scrolls sideways by ${tableOverflow}px on a phone`);
    await shot(page, "page-05-phone-model-search");
    await context.close();
  });

  test("an admin sees who owns another user's task; without accounts no sign-in and no owner", async () => {
    const me = { name: "boss", admin: true, auth: "tokens" };
    const { page, context, problems } = await newPage(chrome.browser);
    await page.route("**/api/v1/me", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(me) }));
    await page.route(`**/api/v1/tasks/${ID}`, (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ ...task, owner: XSS, worker_id: "worker-1" }) }),
    );
    await page.goto(`${server.url}#/tasks/${ID}`);
    await page.waitForSelector('[data-testid="task-owner"]');
    assert.equal(await page.locator('[data-testid="task-owner"]').textContent(), XSS);
    assert.equal((await page.locator('[data-testid="account-name"]').textContent()).trim(), "boss (admin)");
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await shot(page, "page-07-admin-sees-owner", { element: page.locator(".task-head") });
    // No accounts (serve --auth none): nobody to name, no sign-in, no owner line.
    Object.assign(me, { name: "", auth: "none" });
    await page.reload();
    await page.waitForSelector('[data-testid="task-id"]');
    assert.equal(await page.locator('[data-testid="task-owner"]').count(), 0);
    assert.equal(await page.locator('[data-testid="account"]').count(), 0);
    assert.equal(await page.locator('[data-testid="sign-in"]').count(), 0);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("a confusion-matrix cell lists its validation items; dataset strings stay text, odd thumbnails are not loaded", async () => {
    const random = rng(11);
    const thumb = (shape) => `data:image/png;base64,${encodePng(32, 32, shapeImage(shape, 32, random)).toString("base64")}`;
    const cm = { ...task, id: "fedcba9876543210fedcba9876543210", classes: ["circle", "square", XSS] };
    cm.metrics = { ...task.metrics, confusion_matrix: [[2, 1, 0], [0, 1, 0], [0, 0, 1]] };
    const validation = {
      kind: "image",
      classes: cm.classes,
      truncated: false,
      items: [
        { index: 0, label: 0, predicted: 0, score: 0.91, top: [{ label: "circle", score: 0.91 }, { label: "square", score: 0.06 }], name: "circle/a.png", thumbnail: thumb("circle") },
        { index: 1, label: 0, predicted: 1, score: 0.55, top: [{ label: "square", score: 0.55 }, { label: "circle", score: 0.4 }], name: `circle/${XSS}.png`, thumbnail: thumb("circle") },
        { index: 2, label: 0, predicted: 0, score: 0.8, top: [{ label: XSS, score: 0.8 }], name: "circle/b.png", thumbnail: "javascript:alert(2)" },
        { index: 3, label: 1, predicted: 1, score: 0.7, top: [{ label: "square", score: 0.7 }], name: "square/c.png", thumbnail: `https://example.invalid/${XSS}.png` },
        { index: 4, label: 2, predicted: 2, score: 0.99, top: [{ label: XSS, score: 0.99 }], name: `${XSS}/d.png`, thumbnail: thumb("triangle") },
      ],
    };
    const { page, context, problems } = await newPage(chrome.browser);
    let validationRequests = 0;
    const remote = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) remote.push(r.url());
    });
    await page.route(`**/api/v1/tasks/${cm.id}`, (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(cm) }));
    await page.route(`**/api/v1/tasks/${cm.id}/validation`, (route) => {
      validationRequests++;
      return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(validation) });
    });
    await page.goto(`${server.url}#/tasks/${cm.id}`);
    await page.waitForSelector('[data-testid="cm-cell"]');
    // Only non-zero counts are buttons, each named for a screen reader.
    assert.equal(await page.locator('[data-testid="cm-cell"]').count(), 4);
    const first = page.locator('[data-testid="cm-cell"][data-row="0"][data-col="0"]');
    assert.match(await first.getAttribute("aria-label"), /2 validation items of true class circle predicted as circle/);
    assert.equal(await page.locator('[data-testid="cell-items"]').isVisible(), false);

    // Keyboard: focus the cell and press Enter.
    await first.focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="cell-item"]');
    assert.equal(await first.getAttribute("aria-pressed"), "true");
    assert.equal(await page.locator('[data-testid="cell-item"]').count(), 2);
    assert.match(await page.locator('[data-testid="cell-items"] h4').textContent(), /True circle, predicted circle — 2 items/);
    // A PNG data URL is shown; a javascript: "thumbnail" is not loaded at all.
    assert.equal(await page.locator('[data-testid="cell-item-image"]').count(), 1);
    assert.match(await page.locator('[data-testid="cell-item-image"]').getAttribute("src"), /^data:image\/png;base64,/);
    assert.ok(await page.locator('[data-testid="cell-item-image"]').evaluate((img) => img.complete && img.naturalWidth === 32), "the thumbnail decodes");
    assert.match(await page.locator('[data-testid="cell-item"]').nth(0).textContent(), /circle\/a\.png.*True: circle · predicted: circle \(91\.0%\).*circle.*91\.0%.*square.*6\.0%/);

    // Off-diagonal cell with a hostile file name; the class name XSS only ever as text.
    await page.locator('[data-testid="cm-cell"][data-row="0"][data-col="1"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="cell-items"] h4')?.textContent?.includes("predicted square"));
    assert.equal(await page.locator('[data-testid="cell-item"]').count(), 1);
    assert.equal(await first.getAttribute("aria-pressed"), "false");
    assert.ok((await page.locator('[data-testid="cell-item"]').textContent()).includes(`circle/${XSS}.png`));
    // A remote URL as thumbnail is refused too.
    await page.locator('[data-testid="cm-cell"][data-row="1"][data-col="1"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="cell-items"] h4')?.textContent?.includes("True square"));
    assert.equal(await page.locator('[data-testid="cell-item-image"]').count(), 0);
    await page.locator(`[data-testid="cm-cell"][data-row="2"][data-col="2"]`).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="cell-items"] h4')?.textContent?.includes("True <img"));
    assert.equal(await page.locator('[data-testid="cell-item-image"]').count(), 1);
    await page.locator('[data-testid="cell-items"]').scrollIntoViewIfNeeded();
    await shot(page, "page-06-cell-items", { element: page.locator(".heatmap-block") });

    // Fetched once for all the cells; nothing from the items became markup or a request.
    assert.equal(validationRequests, 1);
    assert.deepEqual(remote, []);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    // Close returns focus to the cell.
    await page.locator('[data-testid="cell-items-close"]').click();
    assert.equal(await page.locator('[data-testid="cell-items"]').isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.row), "2");
    // Phone width: the matrix and the panel fit.
    await page.locator('[data-testid="cm-cell"][data-row="0"][data-col="0"]').click();
    await page.waitForSelector('[data-testid="cell-item"]');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `task page is ${overflow}px wider than a phone screen`);
    await page.waitForTimeout(200);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("a bundle without validation items says so in words", async () => {
    const cm = { ...task, id: "00000000000000000000000000000001" };
    cm.metrics = { ...task.metrics, confusion_matrix: [[3, 0, 0], [0, 2, 0], [0, 1, 1]] };
    const { page, context, problems } = await newPage(chrome.browser);
    await page.route(`**/api/v1/tasks/${cm.id}`, (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(cm) }));
    await page.route(`**/api/v1/tasks/${cm.id}/validation`, (route) =>
      route.fulfill({ status: 404, contentType: "application/json", body: JSON.stringify({ error: { code: "validation_unavailable", message: "no validation.json" } }) }),
    );
    await page.goto(`${server.url}#/tasks/${cm.id}`);
    await page.locator('[data-testid="cm-cell"][data-row="2"][data-col="1"]').click();
    await page.waitForSelector('[data-testid="cell-items-error"]');
    assert.match(await page.locator('[data-testid="cell-items-error"]').textContent(), /saved before trainbox kept its validation items/);
    assert.deepEqual(problems.pageErrors, []);
    await context.close();
  });

  test("the backbone field suggests the models of the selected kind", async () => {
    const { page, context } = await newPage(chrome.browser);
    await page.goto(server.url);
    await page.locator("details.advanced summary").click();
    const options = () => page.locator('[data-testid="backbone-options"] option').evaluateAll((els) => els.map((e) => e.value));
    const all = await options();
    for (const name of ["auto", "kernel_rbf", "tiny_cnn", "cnn_224", "tfidf_linear", "embedding"]) assert.ok(all.includes(name), `suggestions: ${all}`);
    assert.match(await page.locator("#opt-backbone-help").textContent(), /kernel_rbf.*tfidf_linear.*embedding/);
    const csv = path.join(tmp, "kinds.csv");
    fs.writeFileSync(csv, "text,label\ngood,pos\nbad,neg\nfine,pos\nawful,neg\n");
    await page.setInputFiles('[data-testid="file-input"]', csv);
    await page.waitForSelector('[data-testid="class-grid"]');
    assert.deepEqual(await options(), ["auto", "tfidf_linear", "embedding"]);
    const root = path.join(tmp, "kinds");
    writeShapeDataset(root, { perClass: 3, shapes: ["circle", "square"] });
    await page.setInputFiles('[data-testid="folder-input"]', root);
    await page.waitForSelector('[data-testid="class-grid"] img');
    const image = await options();
    assert.ok(image.includes("kernel_rbf") && !image.includes("tfidf_linear"), `image suggestions: ${image}`);
    await context.close();
  });
});
