// The new-task view's rules (web/src/views/new_task/upload_data.ts): options sent, upload names
// and notes, and the backbone field's suggestions per dataset kind.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const u = await src("views/new_task/upload_data.ts");
const { IMAGE_MODELS, TEXT_MODELS } = await src("modelsearch.ts");

const fields = (values) => (id) => values[id] ?? "";

describe("options", () => {
  test("numbers are sent as numbers, text as text, empty fields not at all", () => {
    const out = u.collectOptions(fields({ "opt-epochs": " 3 ", "opt-time": "", "opt-backbone": " tiny_cnn ", "opt-val": "0.25", "opt-seed": "0" }), false);
    assert.deepEqual(out, { epochs: 3, backbone: "tiny_cnn", val_fraction: 0.25, seed: 0 });
    assert.deepEqual(Object.keys(out), ["epochs", "backbone", "val_fraction", "seed"]);
  });
  test("a number field that holds no number is left out", () => {
    assert.deepEqual(u.collectOptions(fields({ "opt-epochs": "three", "opt-time": "1e3" }), false), { time_budget_s: 1000 });
  });
  test("the CSV column fields are sent for a CSV only", () => {
    const values = fields({ "opt-text-col": "review", "opt-label-col": "stars", "opt-epochs": "2" });
    assert.deepEqual(u.collectOptions(values, false), { epochs: 2 });
    assert.deepEqual(u.collectOptions(values, true), { epochs: 2, text_column: "review", label_column: "stars" });
  });
  test("every option field has an input id the view builds (opt-*) and a distinct key", () => {
    assert.equal(new Set(u.OPTION_FIELDS.map((f) => f.key)).size, u.OPTION_FIELDS.length);
    for (const f of u.OPTION_FIELDS) assert.match(f.id, /^opt-[a-z-]+$/);
  });
});

describe("selection", () => {
  const folder = (issues) => ({ type: "folder", plan: { issues } });
  test("kind: CSV is text, a folder or a zip is image, nothing is null", () => {
    assert.equal(u.selectionKind(null), null);
    assert.equal(u.selectionKind({ type: "csv" }), "text");
    assert.equal(u.selectionKind({ type: "zip" }), "image");
    assert.equal(u.selectionKind(folder([])), "image");
  });
  test("nothing picked or a folder error blocks the upload; warnings and zip/CSV issues do not", () => {
    assert.equal(u.selectionBlocked(null), true);
    assert.equal(u.selectionBlocked(folder([{ level: "error", message: "x" }])), true);
    assert.equal(u.selectionBlocked(folder([{ level: "warning", message: "x" }])), false);
    assert.equal(u.selectionBlocked({ type: "zip", summary: { issues: [{ level: "error", message: "x" }] } }), false);
  });
});

describe("upload words", () => {
  test("the zip is named after the folder, unsafe characters replaced", () => {
    assert.equal(u.uploadFilename("pets"), "pets.zip");
    assert.equal(u.uploadFilename("my pets/2024 (v2)"), "my_pets_2024_v2_.zip");
    assert.equal(u.uploadFilename(""), "dataset.zip");
  });
  test("a folder note says what was sent and what resizing saved", () => {
    assert.equal(
      u.folderUploadNote({ failed: [], imageCount: 60, originalBytes: 4 * 1024 * 1024 }, 1024 * 1024),
      "Uploaded 1.0 MB for 60 images (4.0 MB of originals; resizing saved 3.0 MB, 75%).",
    );
    assert.equal(u.folderUploadNote({ failed: [], imageCount: 2, originalBytes: 100 }, 300), "Uploaded 300 B for 2 images (100 B of originals).");
  });
  test("a folder note names images the browser could not read (five at most)", () => {
    const failed = ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png"];
    const note = u.folderUploadNote({ failed, imageCount: 10, originalBytes: 2048 }, 1024);
    assert.match(note, /^6 image\(s\) could not be read by the browser and were left out: a\.png, b\.png, c\.png, d\.png, e\.png…\. Uploaded 1\.0 KB for 10 images/);
    assert.doesNotMatch(note, /f\.png/);
  });
  test("a file sent as is, and the upload progress label", () => {
    assert.equal(u.fileUploadNote("reviews.csv", 2048), "Uploaded reviews.csv (2.0 KB) as is.");
    assert.equal(u.uploadingLabel(512, 2048), "Uploading: 512 B of 2.0 KB (25%)");
  });
});

describe("backbone suggestions", () => {
  const installed = [{ name: "resnet18", input_size: 224, feature_dim: 512 }, { name: "bare" }];
  const builtins = ["tiny_cnn", "cnn_224", "mystery"];
  const values = (kind) => u.backboneChoices(kind, installed, builtins).map((c) => c.value);
  test("nothing picked: auto, every built-in model, other server built-ins, installed backbones", () => {
    assert.deepEqual(values(null), ["auto", ...IMAGE_MODELS.map((m) => m.name), ...TEXT_MODELS.map((m) => m.name), "mystery", "resnet18", "bare"]);
  });
  test("a CSV: auto and the text models only", () => {
    assert.deepEqual(values("text"), ["auto", "tfidf_linear", "embedding"]);
  });
  test("images: no text model; the extra built-in and the backbones stay", () => {
    assert.deepEqual(values("image"), ["auto", "kernel_rbf", "tiny_cnn", "cnn_224", "mystery", "resnet18", "bare"]);
  });
  test("labels: pretrained backbones say their size and features; server-only built-ins have none", () => {
    const byValue = Object.fromEntries(u.backboneChoices("image", installed, builtins).map((c) => [c.value, c.label]));
    assert.equal(byValue.resnet18, "resnet18 (pretrained, 224 px, 512 features)");
    assert.equal(byValue.bare, "bare (pretrained)");
    assert.equal(byValue.mystery, undefined);
    assert.match(byValue.auto, /^auto/);
  });
  test("builtinNames keeps strings of an array only", () => {
    assert.deepEqual(u.builtinNames(["a", 7, null, "b"]), ["a", "b"]);
    assert.deepEqual(u.builtinNames("tiny_cnn"), []);
    assert.deepEqual(u.builtinNames(undefined), []);
  });
});
