// Chart scales (web/src/charts.ts), the model-search ordering (modelsearch.ts) and the bundle's
// loading snippets (snippets.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const charts = await src("charts.ts");
const ms = await src("modelsearch.ts");
const { snippets } = await src("snippets.ts");

describe("chart scale", () => {
  test("niceScale rounds the maximum up to 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 or 10 times a power of ten", () => {
    assert.deepEqual(charts.niceScale(0.93), { max: 1, divisions: 5 });
    assert.deepEqual(charts.niceScale(1.2), { max: 1.5, divisions: 3 });
    assert.deepEqual(charts.niceScale(2.3), { max: 2.5, divisions: 5 });
    assert.deepEqual(charts.niceScale(7), { max: 8, divisions: 4 });
    assert.deepEqual(charts.niceScale(0.042), { max: 0.05, divisions: 5 });
    assert.deepEqual(charts.niceScale(3), { max: 3, divisions: 3 });
    assert.deepEqual(charts.niceScale(9.5), { max: 10, divisions: 5 });
  });
  test("niceScale of nothing is 0..1", () => {
    assert.deepEqual(charts.niceScale(0), { max: 1, divisions: 4 });
    assert.deepEqual(charts.niceScale(NaN), { max: 1, divisions: 4 });
  });
  test("the chart's summary names each series' latest value", () => {
    const fmt = (v) => v.toFixed(1);
    const text = charts.latestValues([{ name: "training loss", values: [1, 0.5, undefined] }, { name: "validation loss", values: [] }], fmt);
    assert.equal(text, "training loss: 0.5; validation loss: no data");
  });
});

describe("model search", () => {
  const entry = (candidate, val_accuracy, kept = false) => ({ candidate, val_accuracy, seconds: 1, kept, why: "" });
  test("best validation accuracy first, the kept one first among equals, skipped last, else the server's order", () => {
    const rows = ms.leaderboardRows({ leaderboard: [entry("skipA", null), entry("b", 0.9), entry("c", 0.97), entry("d", 0.97, true), entry("e", 0.9), entry("skipB", null)] });
    assert.deepEqual(rows.map((r) => r.candidate), ["d", "c", "b", "e", "skipA", "skipB"]);
  });
  test("entries without a candidate name are dropped; no leaderboard is empty", () => {
    assert.deepEqual(ms.leaderboardRows({ leaderboard: [null, { val_accuracy: 1 }, entry("a", 0.5)] }).map((r) => r.candidate), ["a"]);
    assert.deepEqual(ms.leaderboardRows({}), []);
    assert.deepEqual(ms.leaderboardRows(null), []);
  });
  test("the backbone field's model lists are image and text models", () => {
    assert.deepEqual(ms.IMAGE_MODELS.map((m) => m.name), ["kernel_rbf", "tiny_cnn", "cnn_224"]);
    assert.deepEqual(ms.TEXT_MODELS.map((m) => m.name), ["tfidf_linear", "embedding"]);
  });
});

describe("snippets", () => {
  test("image bundles load with predict_raw, text bundles with predict_texts; the zip is named by task id", () => {
    const image = snippets({ id: "abc", kind: "image" });
    const text = snippets({ id: "abc", kind: "text" });
    assert.match(image.python, /zipfile\.ZipFile\("trainbox-abc\.zip"\)/);
    assert.match(image.python, /predict_raw/);
    assert.match(image.cpp, /get_method\("predict_raw"\)/);
    assert.match(text.python, /predict_texts\(\["an example text"\]\)/);
    assert.match(text.cpp, /get_method\("predict_texts"\)/);
    assert.doesNotMatch(text.python, /PIL/);
    assert.match(text.cpp, /^\/\/ unzip trainbox-abc\.zip into model\/ first/);
  });
});
