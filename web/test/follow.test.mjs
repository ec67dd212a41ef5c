// Following a task (web/src/follow.ts): server-sent events first, polling GET /tasks/{id} when
// the stream errors or the browser has none; stops by itself at a terminal state. The browser
// parts are fakes here: an event stream the test fires, a getTask the test answers, manual timers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const { createFollower, POLL_FAILURES_REPORTED } = await src("follow.ts");
const { ApiError } = await src("api_error.ts");

const task = (status, extra = {}) => ({ id: "t1", kind: "image", status, ...extra });
const flush = () => new Promise((resolve) => setImmediate(resolve));

function harness({ events = true } = {}) {
  const h = { streams: [], timers: [], cleared: [], gets: [], tasks: [], errors: [], answers: [] };
  h.deps = {
    openEvents: events
      ? (url) => {
          const stream = { url, listeners: {}, closed: false };
          stream.addEventListener = (type, fn) => (stream.listeners[type] ??= []).push(fn);
          stream.close = () => (stream.closed = true);
          stream.fire = (type, data) => (stream.listeners[type] ?? []).forEach((fn) => fn({ data }));
          h.streams.push(stream);
          return stream;
        }
      : null,
    getTask: (id) => {
      h.gets.push(id);
      const answer = h.answers.shift();
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    setTimer: (fn, ms) => h.timers.push({ fn, ms }) - 1,
    clearTimer: (handle) => h.cleared.push(handle),
  };
  h.start = (pollMs = 1000) => (h.follower = createFollower(h.deps, "api/v1/tasks/t1/events", "t1", (t) => h.tasks.push(t), (e) => h.errors.push(e), pollMs));
  /** Runs the last scheduled poll and lets its request settle. */
  h.tick = async () => {
    h.timers.at(-1).fn();
    await flush();
  };
  return h;
}

describe("following a task", () => {
  test("events: each state reaches the page, a malformed event is ignored, a terminal one stops the stream", () => {
    const h = harness();
    h.start();
    assert.equal(h.follower.mode, "events");
    assert.equal(h.streams[0].url, "api/v1/tasks/t1/events");
    const s = h.streams[0];
    s.fire("task", JSON.stringify(task("RUNNING", { progress: { epoch: 1 } })));
    s.fire("message", "{not json");
    s.fire("message", JSON.stringify(task("RUNNING", { progress: { epoch: 2 } })));
    assert.deepEqual(h.tasks.map((t) => t.progress.epoch), [1, 2]);
    s.fire("task", JSON.stringify(task("COMPLETED")));
    assert.equal(s.closed, true);
    s.fire("task", JSON.stringify(task("RUNNING")));
    assert.deepEqual(h.tasks.map((t) => t.status), ["RUNNING", "RUNNING", "COMPLETED"]);
    assert.deepEqual(h.gets, [], "no polling while events flow");
    assert.deepEqual(h.errors, []);
  });

  test("a stream error switches to polling once (the stream is closed), every pollMs until terminal", async () => {
    const h = harness();
    h.start(250);
    h.answers.push(task("RUNNING"), task("RUNNING"), task("FAILED"));
    h.streams[0].fire("error");
    h.streams[0].fire("error");
    assert.equal(h.follower.mode, "polling");
    assert.equal(h.streams[0].closed, true);
    await flush();
    assert.deepEqual(h.gets, ["t1"], "a second stream error does not start a second poll loop");
    assert.deepEqual(h.timers.map((t) => t.ms), [250]);
    await h.tick();
    await h.tick();
    assert.deepEqual(h.tasks.map((t) => t.status), ["RUNNING", "RUNNING", "FAILED"]);
    assert.equal(h.timers.length, 2, "no poll scheduled after the terminal state");
    assert.deepEqual(h.errors, []);
  });

  test("without EventSource it polls from the start", async () => {
    const h = harness({ events: false });
    h.answers.push(task("QUEUED"), task("COMPLETED"));
    h.start();
    assert.equal(h.follower.mode, "polling");
    await flush();
    await h.tick();
    assert.deepEqual(h.tasks.map((t) => t.status), ["QUEUED", "COMPLETED"]);
    assert.equal(h.timers.length, 1);
  });

  test(`failed polls are reported on the ${POLL_FAILURES_REPORTED}rd in a row only; a success resets the count; polling goes on`, async () => {
    const h = harness({ events: false });
    const down = () => new ApiError("The server could not be reached.", 0, "network");
    h.answers.push(down(), down(), task("RUNNING"), down(), down(), down(), new Error("weird"), task("COMPLETED"));
    h.start();
    await flush();
    for (let i = 0; i < 7; i++) await h.tick();
    assert.equal(h.errors.length, 1, "one report after three failures in a row");
    assert.equal(h.errors[0].code, "network");
    assert.deepEqual(h.tasks.map((t) => t.status), ["RUNNING", "COMPLETED"]);
  });

  test("a thrown non-ApiError becomes an ApiError of status 0", async () => {
    const h = harness({ events: false });
    h.answers.push(new Error("a"), new Error("b"), new TypeError("c"));
    h.start();
    await flush();
    await h.tick();
    await h.tick();
    assert.equal(h.errors.length, 1);
    assert.ok(h.errors[0] instanceof ApiError);
    assert.equal(h.errors[0].status, 0);
    assert.equal(h.errors[0].code, "unknown");
    assert.match(h.errors[0].message, /TypeError: c/);
  });

  test("a 404 while polling is reported at once and stops the follower", async () => {
    const h = harness({ events: false });
    h.answers.push(new ApiError("no such task", 404, "not_found"));
    h.start();
    await flush();
    assert.equal(h.errors.length, 1);
    assert.equal(h.errors[0].status, 404);
    assert.equal(h.timers.length, 0);
  });

  test("a deleted event is reported as a 404 and stops the stream", () => {
    const h = harness();
    h.start();
    h.streams[0].fire("deleted", "");
    assert.equal(h.errors.length, 1);
    assert.equal(h.errors[0].status, 404);
    assert.equal(h.errors[0].code, "deleted");
    assert.equal(h.streams[0].closed, true);
    h.streams[0].fire("task", JSON.stringify(task("RUNNING")));
    assert.deepEqual(h.tasks, []);
  });

  test("stop() closes the stream, clears the timer, and later answers are dropped", async () => {
    const h = harness({ events: false });
    h.answers.push(task("RUNNING"));
    h.start();
    await flush();
    assert.equal(h.timers.length, 1);
    h.follower.stop();
    assert.deepEqual(h.cleared, [0]);
    h.answers.push(task("RUNNING"));
    await h.tick();
    assert.equal(h.tasks.length, 1, "a poll after stop() does nothing");
    assert.equal(h.gets.length, 1);

    const e = harness();
    e.start();
    e.follower.stop();
    assert.equal(e.streams[0].closed, true);
    e.streams[0].fire("error");
    assert.equal(e.follower.mode, "events", "a stopped follower does not start polling");
  });
});
