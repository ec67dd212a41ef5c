// Formatting helpers (web/src/format.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const f = await src("format.ts");
const { ApiError } = await src("api_error.ts");

describe("formatBytes", () => {
  test("bytes stay whole, larger units get one decimal, GB is the largest unit", () => {
    assert.equal(f.formatBytes(0), "0 B");
    assert.equal(f.formatBytes(1023), "1023 B");
    assert.equal(f.formatBytes(1024), "1.0 KB");
    assert.equal(f.formatBytes(1536), "1.5 KB");
    assert.equal(f.formatBytes(5 * 1024 * 1024), "5.0 MB");
    assert.equal(f.formatBytes(3 * 1024 ** 4), "3072.0 GB");
  });
  test("not a number is a question mark", () => {
    assert.equal(f.formatBytes(NaN), "?");
    assert.equal(f.formatBytes(Infinity), "?");
  });
});

describe("formatDuration", () => {
  test("seconds, minutes and seconds, hours and minutes (rounded)", () => {
    assert.equal(f.formatDuration(0), "0 s");
    assert.equal(f.formatDuration(59.4), "59 s");
    assert.equal(f.formatDuration(59.6), "1 min 0 s");
    assert.equal(f.formatDuration(75), "1 min 15 s");
    assert.equal(f.formatDuration(3600), "1 h 0 min");
    assert.equal(f.formatDuration(5000), "1 h 23 min");
  });
  test("unknown or negative ETAs are a dash", () => {
    for (const v of [null, undefined, -1, NaN, Infinity]) assert.equal(f.formatDuration(v), "—");
  });
});

describe("formatPercent and formatSeconds", () => {
  test("percent with the requested digits; non-numbers are a dash", () => {
    assert.equal(f.formatPercent(0.9333), "93.3%");
    assert.equal(f.formatPercent(0.4, 0), "40%");
    assert.equal(f.formatPercent(1), "100.0%");
    assert.equal(f.formatPercent(undefined), "—");
    assert.equal(f.formatPercent(null), "—");
    assert.equal(f.formatPercent(NaN), "—");
  });
  test("candidate seconds: 2 decimals under 10 s, 1 under a minute, then a duration", () => {
    assert.equal(f.formatSeconds(0.4), "0.40 s");
    assert.equal(f.formatSeconds(12.54), "12.5 s");
    assert.equal(f.formatSeconds(75.5), "1 min 16 s");
    assert.equal(f.formatSeconds(undefined), "—");
  });
});

describe("formatDate", () => {
  test("missing is a dash, unparsable is shown as it came, a date is localised", () => {
    assert.equal(f.formatDate(null), "—");
    assert.equal(f.formatDate(""), "—");
    assert.equal(f.formatDate("not a date"), "not a date");
    const shown = f.formatDate("2026-01-02T10:00:00Z");
    assert.notEqual(shown, "2026-01-02T10:00:00Z");
    assert.match(shown, /2026/);
  });
});

describe("num, phaseName, describeError", () => {
  test("num keeps finite numbers only", () => {
    assert.equal(f.num(3), 3);
    assert.equal(f.num(0), 0);
    for (const v of ["3", NaN, Infinity, null, undefined, {}]) assert.equal(f.num(v), undefined);
  });
  test("phaseName turns snake and kebab case into a sentence", () => {
    assert.equal(f.phaseName("training_epochs"), "Training epochs");
    assert.equal(f.phaseName("fine-tuning__head"), "Fine tuning head");
    assert.equal(f.phaseName(""), "");
    assert.equal(f.phaseName(undefined), "");
  });
  test("describeError reads ApiError, Error and anything else", () => {
    assert.equal(f.describeError(new ApiError("refused", 400, "bad")), "refused");
    assert.equal(f.describeError(new Error("boom")), "boom");
    assert.equal(f.describeError("plain"), "plain");
    assert.equal(f.describeError(42), "42");
  });
});
