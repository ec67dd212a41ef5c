// The past-tasks panel's pager and class summary (web/src/views/history_data.ts) and the router's
// reading of the location hash (web/src/routes.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const hd = await src("views/history_data.ts");
const routes = await src("routes.ts");

describe("past tasks", () => {
  test("class summary: count and the first three names", () => {
    assert.equal(hd.classSummary([]), "");
    assert.equal(hd.classSummary(["cat", "dog"]), "2 classes: cat, dog");
    assert.equal(hd.classSummary(["a", "b", "c", "d"]), "4 classes: a, b, c…");
  });
  test("no pager when one page holds every task", () => {
    assert.equal(hd.PAGE, 10);
    assert.equal(hd.pagerOf(0, 10), null);
    assert.equal(hd.pagerOf(0, 0), null);
  });
  test("pager of 23 tasks: first, middle and last page", () => {
    assert.deepEqual(hd.pagerOf(0, 23), { label: "1–10 of 23", first: true, last: false });
    assert.deepEqual(hd.pagerOf(10, 23), { label: "11–20 of 23", first: false, last: false });
    assert.deepEqual(hd.pagerOf(20, 23), { label: "21–23 of 23", first: false, last: true });
    assert.deepEqual(hd.pagerOf(10, 20), { label: "11–20 of 20", first: false, last: true });
  });
  test("newer never goes below 0; older moves a page", () => {
    assert.equal(hd.pageOffset(20, "newer"), 10);
    assert.equal(hd.pageOffset(5, "newer"), 0);
    assert.equal(hd.pageOffset(10, "older"), 20);
  });
});

describe("routes", () => {
  test("#/tasks/<id> opens the task (decoded); extra path parts are ignored", () => {
    assert.deepEqual(routes.routeOf("#/tasks/abc123", false), { view: "task", id: "abc123" });
    assert.deepEqual(routes.routeOf("#/tasks/a%20b/extra", true), { view: "task", id: "a b" });
    assert.deepEqual(routes.routeOf(routes.taskHash("x/y?z"), true), { view: "task", id: "x/y?z" });
  });
  test("anything else is the new-task view", () => {
    for (const hash of ["", "#", "#/", "#/tasks/", "#/other"]) assert.deepEqual(routes.routeOf(hash, true), { view: "new" }, hash);
  });
  test("in-page anchors keep the current view, but show the new-task view on a first load", () => {
    assert.deepEqual(routes.routeOf("#history-title", true), { view: "keep" });
    assert.deepEqual(routes.routeOf("#main", false), { view: "new" });
  });
});
