// The task page's rules (web/src/views/task/*_data.ts): curves from history and live points, the
// words of the live progress, the dataset line, and the predict form's helpers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const c = await src("views/task/curve_data.ts");
const t = await src("views/task/task_data.ts");
const p = await src("views/task/predict_data.ts");

const running = (progress, metrics = {}) => ({ id: "t", kind: "image", status: "RUNNING", progress, metrics });

describe("live points", () => {
  test("a running epoch's live loss/accuracy is kept per epoch, the last report winning", () => {
    const points = new Map();
    c.recordLivePoint(points, running({ epoch: 1, live: { loss: 0.9 } }));
    c.recordLivePoint(points, running({ epoch: 2, live: { loss: 0.7, accuracy: 0.5 } }));
    c.recordLivePoint(points, running({ epoch: 2, live: { loss: 0.6, accuracy: 0.55 } }));
    assert.deepEqual([...points.entries()], [[1, { loss: 0.9, accuracy: undefined }], [2, { loss: 0.6, accuracy: 0.55 }]]);
  });
  test("nothing is kept without an epoch, without live numbers, or once the task is not running", () => {
    const points = new Map();
    c.recordLivePoint(points, running({ epoch: 0, live: { loss: 1 } }));
    c.recordLivePoint(points, running({ epoch: 3, live: { loss: "1" } }));
    c.recordLivePoint(points, running({ epoch: 3, live: null }));
    c.recordLivePoint(points, { ...running({ epoch: 4, live: { loss: 1 } }), status: "COMPLETED" });
    c.recordLivePoint(points, { id: "t", status: "RUNNING" });
    assert.equal(points.size, 0);
  });
});

describe("curves", () => {
  const history = [
    { epoch: 1, train_loss: 1, val_loss: 1.2, train_accuracy: 0.5, val_accuracy: 0.4 },
    { epoch: 2, train_loss: 0.5, val_loss: 0.8, train_accuracy: 0.7, val_accuracy: 0.6 },
  ];
  test("history only: one value per epoch", () => {
    const curves = c.curveData({ status: "COMPLETED", metrics: { history } }, new Map(), true);
    assert.deepEqual(curves, { trainLoss: [1, 0.5], valLoss: [1.2, 0.8], trainAcc: [0.5, 0.7], valAcc: [0.4, 0.6] });
  });
  test("while training, live points extend the history (training curves only)", () => {
    const points = new Map([[3, { loss: 0.3, accuracy: 0.8 }]]);
    const curves = c.curveData(running({}, { history }), points, false);
    assert.deepEqual(curves.trainLoss, [1, 0.5, 0.3]);
    assert.deepEqual(curves.trainAcc, [0.5, 0.7, 0.8]);
    assert.deepEqual(curves.valLoss, [1.2, 0.8, undefined]);
  });
  test("a finished task's curves are its history alone, even after live epochs", () => {
    const points = new Map([[1, { loss: 1 }], [2, { loss: 0.5 }]]);
    assert.equal(c.curveData({ status: "COMPLETED", metrics: { history: [] } }, points, true), null);
  });
  test("history entries are placed by their epoch field (else by position)", () => {
    const curves = c.curveData({ status: "COMPLETED", metrics: { history: [{ epoch: 2, train_loss: 0.2 }, { train_loss: 0.9 }] } }, new Map(), true);
    assert.deepEqual(curves.trainLoss, [undefined, 0.9]);
  });
  test("no epoch yet: null", () => {
    assert.equal(c.curveData(running({}), new Map(), false), null);
  });
});

describe("progress words", () => {
  test("the announcement names the phase while running, else the status", () => {
    assert.deepEqual(t.statusAnnouncement(running({ phase: "training_epochs" })), { phase: "Training epochs", text: "Task running: Training epochs" });
    assert.deepEqual(t.statusAnnouncement(running({})), { phase: "Running", text: "Task running: Running" });
    assert.deepEqual(t.statusAnnouncement({ status: "QUEUED", progress: { phase: "queued" } }), { phase: "QUEUED", text: "Task queued" });
  });
  test("the progress label waits for a worker, then shows the phase", () => {
    assert.equal(t.progressLabel({ status: "QUEUED", progress: { phase: "queued" } }), "Waiting for a worker…");
    assert.equal(t.progressLabel(running({ phase: "evaluating" })), "Evaluating");
    assert.equal(t.progressLabel(running({ phase: "" })), "Starting…");
  });
  test("the fraction is clamped to 0..1", () => {
    assert.equal(t.progressFraction(running({ fraction: 0.4 })), 0.4);
    assert.equal(t.progressFraction(running({ fraction: 1.7 })), 1);
    assert.equal(t.progressFraction(running({ fraction: -2 })), 0);
    assert.equal(t.progressFraction(running({})), 0);
  });
  test("live statistics: epoch of epochs, ETA, live loss and accuracy when reported", () => {
    assert.deepEqual(t.liveStats(running({ epoch: 2, epochs: 5, eta_s: 75, live: { loss: 0.51234, accuracy: 0.61 } })), ["Epoch 2 of 5", "ETA 1 min 15 s", "loss 0.512", "accuracy 61.0%"]);
    assert.deepEqual(t.liveStats(running({ epochs: 0, eta_s: null, live: {} })), ["ETA —"]);
    assert.deepEqual(t.liveStats(running({ epochs: 3 })), ["Epoch 0 of 3", "ETA —"]);
  });
  test("the dataset line counts items and warnings; nothing said, no line", () => {
    assert.equal(t.datasetLine({ dataset: { num_items: 60, warnings: [] } }), "Dataset: 60 items");
    assert.equal(t.datasetLine({ dataset: { num_items: 60, warnings: ["a", "b"] } }), "Dataset: 60 items, 2 warnings");
    assert.equal(t.datasetLine({ dataset: { warnings: ["a"] } }), "Dataset: ? items, 1 warning");
    assert.equal(t.datasetLine({ dataset: { num_items: 0, warnings: [] } }), null);
    assert.equal(t.datasetLine({ dataset: null }), null);
  });
});

describe("predict form", () => {
  test("texts: one per line, trimmed, blank lines dropped", () => {
    assert.deepEqual(p.textsOf("what a day\n\n  another  \n"), ["what a day", "another"]);
    assert.deepEqual(p.textsOf(" \n "), []);
  });
  test("images are uploaded as <stem>.png", () => {
    assert.equal(p.pngName("cat.photo.JPG"), "cat.photo.png");
    assert.equal(p.pngName("noext"), "noext.png");
  });
  test("the bars are the top classes, or the prediction itself without a top list", () => {
    assert.deepEqual(p.topOf({ label: "a", score: 0.6, top: [{ label: "a", score: 0.6 }, { label: "b", score: 0.4 }] }).length, 2);
    assert.deepEqual(p.topOf({ label: "a", score: 0.6, top: [] }), [{ label: "a", score: 0.6 }]);
    assert.deepEqual(p.topOf({ label: "a", score: 0.6 }), [{ label: "a", score: 0.6 }]);
  });
  test("the waiting line counts images", () => {
    assert.equal(p.predictingLabel(1), "Resizing and predicting 1 image…");
    assert.equal(p.predictingLabel(3), "Resizing and predicting 3 images…");
    assert.equal(p.MAX_PREDICT_IMAGES, 32);
  });
});

describe("worker", () => {
  test("the worker's id, and the attempt when the task ran more than once", () => {
    assert.equal(t.workerText({ worker_id: "worker-2", attempts: 1 }), "worker-2");
    assert.equal(t.workerText({ worker_id: "worker-2", attempts: 2 }), "worker-2 (attempt 2)");
  });
});
