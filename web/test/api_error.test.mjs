// Error bodies in words (web/src/api_error.ts) and what a task's status means (task_status.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const { ApiError, errorFromBody } = await src("api_error.ts");
const { isTerminal, taskError } = await src("task_status.ts");

describe("errorFromBody", () => {
  test("reads {error: {code, message}}", () => {
    const e = errorFromBody(400, JSON.stringify({ error: { code: "dataset_invalid", message: "no classes" } }));
    assert.ok(e instanceof ApiError && e instanceof Error);
    assert.equal(e.message, "no classes");
    assert.equal(e.code, "dataset_invalid");
    assert.equal(e.status, 400);
  });
  test("reads {error: \"text\"} and keeps an http_ code", () => {
    const e = errorFromBody(409, JSON.stringify({ error: "busy" }));
    assert.equal(e.message, "busy");
    assert.equal(e.code, "http_409");
  });
  test("a body that is not JSON is shown trimmed, at most 300 characters", () => {
    assert.equal(errorFromBody(502, "  Bad Gateway \n").message, "Bad Gateway");
    assert.equal(errorFromBody(500, "x".repeat(1000)).message.length, 300);
  });
  test("no message: says what happened", () => {
    assert.equal(errorFromBody(0, "").message, "The server could not be reached. Check that trainbox is running.");
    assert.equal(errorFromBody(503, "{}").message, "The server answered 503.");
    assert.equal(errorFromBody(500, JSON.stringify({ error: { code: "x" } })).message, "The server answered 500.");
  });
});

describe("task status", () => {
  test("COMPLETED, FAILED and CANCELLED are terminal; QUEUED and RUNNING are not", () => {
    for (const s of ["COMPLETED", "FAILED", "CANCELLED"]) assert.equal(isTerminal(s), true, s);
    for (const s of ["QUEUED", "RUNNING", "", undefined, "completed"]) assert.equal(isTerminal(s), false, String(s));
  });
  test("taskError reads a string, an {code, message} object, or nothing", () => {
    assert.equal(taskError({ error: "out of memory" }), "out of memory");
    assert.equal(taskError({ error: null }), null);
    assert.equal(taskError({ error: "" }), null);
    assert.equal(taskError({}), null);
    assert.equal(taskError({ error: { code: "oom", message: "out of memory" } }), "out of memory");
    assert.equal(taskError({ error: { code: "oom" } }), "oom");
    assert.equal(taskError({ error: {} }), "unknown error");
  });
});
