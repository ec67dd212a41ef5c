// Folder planning, pre-upload checks and the CSV / zip previews (web/src/dataset_plan.ts), the
// rules that mirror the server's ImageFolder reading.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const d = await src("dataset_plan.ts");

/** A picked folder: paths with fake files (only name and size are read). */
const inputs = (paths, size = 100) => paths.map((path) => ({ path, file: { name: path.split("/").pop(), size } }));
const messages = (issues, level) => issues.filter((i) => !level || i.level === level).map((i) => i.message);

describe("planPaths", () => {
  test("junk files are skipped, non-images listed, enclosing folders stripped", () => {
    const p = d.planPaths(
      ["pets/cat/a.jpg", "pets/cat/b.JPEG", "pets/dog/c.png", "pets/.DS_Store", "pets/__MACOSX/cat/._a.jpg", "pets/dog/Thumbs.db", "pets/dog/notes.txt", "pets/cat/.hidden/x.jpg"].map((path) => ({ path, item: path })),
    );
    assert.equal(p.rootName, "pets");
    assert.deepEqual([...p.classes.keys()].sort(), ["cat", "dog"]);
    assert.deepEqual(p.classes.get("cat").map((e) => e.rel.join("/")), ["cat/a.jpg", "cat/b.JPEG"]);
    assert.deepEqual(p.notImages, ["pets/dog/notes.txt"]);
    assert.equal(p.split, false);
    assert.deepEqual(p.loose, []);
  });
  test("several enclosing folders are stripped while every file stays two levels deep", () => {
    const p = d.planPaths(["a/b/cat/1.jpg", "a/b/dog/2.jpg"].map((path) => ({ path, item: 0 })));
    assert.equal(p.rootName, "b");
    assert.deepEqual([...p.classes.keys()], ["cat", "dog"]);
  });
  test("images beside the class folders are outside a class and left out", () => {
    const p = d.planPaths(["a.jpg", "cat/b.jpg", "dog/c.jpg"].map((path) => ({ path, item: 0 })));
    assert.equal(p.rootName, "");
    assert.deepEqual([...p.classes.keys()], ["cat", "dog"]);
    assert.deepEqual(p.loose, ["a.jpg"]);
  });
  test("a folder is stripped only when every file is two levels below it", () => {
    const p = d.planPaths(["shapes/a.jpg", "shapes/circle/b.jpg"].map((path) => ({ path, item: 0 })));
    assert.equal(p.rootName, "");
    assert.deepEqual([...p.classes.keys()], ["shapes"]);
  });
  test("train/ + val/ is a split; files beside the split folders are loose", () => {
    const p = d.planPaths(["ds/train/cat/1.jpg", "ds/train/dog/2.jpg", "ds/valid/cat/3.jpg", "ds/valid/dog/4.jpg", "ds/extra/cat/5.jpg"].map((path) => ({ path, item: path })));
    assert.equal(p.rootName, "ds");
    assert.equal(p.split, true);
    assert.deepEqual([...p.classes.keys()].sort(), ["cat", "dog"]);
    assert.deepEqual(p.classes.get("cat").map((e) => e.rel.join("/")), ["train/cat/1.jpg", "valid/cat/3.jpg"]);
    assert.deepEqual(p.loose, ["ds/extra/cat/5.jpg"]);
  });
  test("train/ alone is not a split: train is the class folder's parent, not stripped", () => {
    const p = d.planPaths(["train/cat/1.jpg", "train/dog/2.jpg"].map((path) => ({ path, item: 0 })));
    assert.equal(p.split, false);
    assert.equal(p.rootName, "");
    assert.deepEqual([...p.classes.keys()], ["train"]);
  });
  test("backslashes separate folders too", () => {
    const p = d.planPaths(["pets\\cat\\a.jpg", "pets\\dog\\b.jpg"].map((path) => ({ path, item: 0 })));
    assert.equal(p.rootName, "pets");
    assert.deepEqual([...p.classes.keys()], ["cat", "dog"]);
  });
});

describe("planFolder", () => {
  test("zip paths are <class>/<stem>.jpg, unique, sorted per class; classes sorted by name", () => {
    const plan = d.planFolder(inputs(["pets/dog/x.png", "pets/cat/b.png", "pets/cat/b.jpg", "pets/cat/a.webp", ...Array.from({ length: 9 }, (_, i) => `pets/dog/d${i}.jpg`), ...Array.from({ length: 8 }, (_, i) => `pets/cat/c${i}.jpg`)]));
    assert.deepEqual(plan.classes.map((c) => c.name), ["cat", "dog"]);
    const cat = plan.classes[0].images.map((i) => i.zipPath);
    assert.ok(cat.includes("cat/b.jpg") && cat.includes("cat/b-2.jpg"), cat.join(", "));
    assert.equal(new Set(cat).size, cat.length);
    assert.deepEqual(cat, [...cat].sort((a, b) => a.localeCompare(b)));
    assert.equal(plan.images.length, 21);
    assert.equal(plan.totalBytes, 21 * 100);
    assert.equal(plan.rootName, "pets");
    assert.deepEqual(plan.issues, []);
  });
  test("a split keeps train/ and val/ in the zip paths", () => {
    const plan = d.planFolder(inputs(["train/a/1.png", "train/b/2.png", "val/a/3.png", "val/b/4.png"]));
    assert.equal(plan.split, true);
    assert.deepEqual(plan.images.map((i) => i.zipPath).sort(), ["train/a/1.jpg", "train/b/2.jpg", "val/a/3.jpg", "val/b/4.jpg"]);
  });
  test("a class of one image blocks the upload; one of three is a warning", () => {
    const plan = d.planFolder(inputs(["d/one/a.png", "d/three/a.png", "d/three/b.png", "d/three/c.png"]));
    assert.equal(plan.issues.filter((i) => i.level === "error").length, 1);
    assert.match(messages(plan.issues, "error")[0], /Class "one" has fewer than 2 images/);
    assert.match(messages(plan.issues, "warning").join("\n"), /"three" \(3\) has fewer than 10 images/);
  });
});

describe("checkCounts", () => {
  const many = (name, count) => ({ name, count });
  test("no class or a single class is an error", () => {
    assert.match(messages(d.checkCounts([], [], []), "error")[0], /No images in class folders/);
    assert.match(messages(d.checkCounts([many("cat", 20)], [], []), "error")[0], /Only one class folder \("cat"\)/);
  });
  test("balanced classes of 10+ images: nothing to say", () => {
    assert.deepEqual(d.checkCounts([many("a", 10), many("b", 49)], [], []), []);
  });
  test("very unequal classes (5x) are a warning naming both", () => {
    const m = messages(d.checkCounts([many("big", 50), many("small", 10)], [], []), "warning");
    assert.equal(m.length, 1);
    assert.match(m[0], /"big" has 50 images but "small" only 10/);
  });
  test("non-images and loose images are counted and listed (three, then 'and N more')", () => {
    const m = messages(d.checkCounts([many("a", 10), many("b", 10)], ["1.txt", "2.txt", "3.txt", "4.txt"], ["x.jpg"]), "warning");
    assert.match(m[0], /^4 files are not an image and will be left out: 1\.txt, 2\.txt, 3\.txt and 1 more\.$/);
    assert.match(m[1], /^1 image is outside a class folder/);
  });
  test("many small classes are named three at a time", () => {
    const m = messages(d.checkCounts(["a", "b", "c", "d", "e"].map((n) => many(n, 1)), [], []), "error");
    assert.match(m[0], /Class "a", "b", "c" and 2 more has fewer than 2 images/);
  });
});

describe("CSV preview", () => {
  test("parseCsv: quotes, doubled quotes, commas and newlines inside quotes, CRLF, BOM, blank lines", () => {
    const rows = d.parseCsv('\ufefftext,label\r\n"good, really",pos\n\n"she said ""fine""",pos\n"two\nlines",neg\nlast,neg');
    assert.deepEqual(rows, [["text", "label"], ["good, really", "pos"], ['she said "fine"', "pos"], ["two\nlines", "neg"], ["last", "neg"]]);
    assert.deepEqual(d.parseCsv("a,b\nc,d\ne,f\n", 2), [["a", "b"], ["c", "d"]]);
  });
  test("summariseCsvText finds the label column by name and counts classes, most frequent first", () => {
    const s = d.summariseCsvText("label,text\npos,good\nneg,bad\npos,fine\n");
    assert.equal(s.rows, 3);
    assert.deepEqual(s.columns, ["label", "text"]);
    assert.equal(s.labelColumn, "label");
    assert.deepEqual(s.classes, [{ name: "pos", count: 2 }, { name: "neg", count: 1 }]);
    assert.match(messages(s.issues, "error").join("\n"), /fewer than 2/);
  });
  test("without a header the last column holds the labels", () => {
    const s = d.summariseCsvText("good,pos\nbad,neg\n");
    assert.equal(s.rows, 2);
    assert.deepEqual(s.columns, ["column 1", "column 2"]);
    assert.equal(s.labelColumn, null);
    assert.deepEqual(s.classes.map((c) => c.name).sort(), ["neg", "pos"]);
  });
  test("a named label column wins; an empty file is an error; one column is a warning", () => {
    assert.equal(d.summariseCsvText("text,category,mood\na,x,happy\n", "mood").labelColumn, "mood");
    assert.deepEqual(messages(d.summariseCsvText("").issues, "error"), ["The CSV file is empty."]);
    assert.match(messages(d.summariseCsvText("text\nhello\n").issues, "warning").join("\n"), /two columns: text,label/);
  });
  test("more than 200 labels: a warning to check the column instead of per-class checks", () => {
    const rows = Array.from({ length: 201 }, (_, i) => `t${i},l${i}`).join("\n");
    const s = d.summariseCsvText(`text,label\n${rows}\n`);
    assert.deepEqual(messages(s.issues), ["201 different labels were found; check that the label column is right."]);
  });
});

describe("zip preview and count badges", () => {
  test("summariseZipNames plans entry names like a folder, classes sorted", () => {
    const s = d.summariseZipNames(["pets/", "pets/dog/", "pets/dog/c.png", "pets/cat/a.jpg", "pets/cat/b.jpg", "pets/readme.txt"]);
    assert.equal(s.readable, true);
    assert.deepEqual(s.classes, [{ name: "cat", count: 2 }, { name: "dog", count: 1 }]);
    assert.match(messages(s.issues).join("\n"), /"dog" has fewer than 2 images/);
    assert.match(messages(s.issues).join("\n"), /1 file is not an image/);
  });
  test("an unreadable zip is sent as is, with a warning", () => {
    const s = d.unreadableZip();
    assert.equal(s.readable, false);
    assert.deepEqual(s.classes, []);
    assert.equal(s.issues[0].level, "warning");
  });
  test("countClass marks counts under 2 bad and under 10 warn", () => {
    assert.equal(d.countClass(1), "class-count bad");
    assert.equal(d.countClass(2), "class-count warn");
    assert.equal(d.countClass(9), "class-count warn");
    assert.equal(d.countClass(10), "class-count");
  });
  test("extension and isOsJunk", () => {
    assert.equal(d.extension("A.JPG"), "jpg");
    assert.equal(d.extension("noext"), "");
    assert.equal(d.isOsJunk(["pets", "__MACOSX", "a.jpg"]), true);
    assert.equal(d.isOsJunk(["pets", "desktop.ini"]), true);
    assert.equal(d.isOsJunk(["pets", "cat", "a.jpg"]), false);
  });
});
