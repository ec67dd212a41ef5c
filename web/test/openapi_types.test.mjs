// The page's types of the API's JSON (web/src/api.ts) agree with src/http/openapi.json: every
// property TypeScript declares exists in the schema with a compatible type, and every property
// the schema requires is required in TypeScript. See helpers/openapi_check.mjs for the rules.
// The checker itself is tried first on a made-up interface that disagrees in every way it knows.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { compareType, loadTypes, pointer } from "./helpers/openapi_check.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const API_TS = path.resolve(HERE, "../src/api.ts");
const OPENAPI = path.resolve(HERE, "../../src/http/openapi.json");
const doc = JSON.parse(fs.readFileSync(OPENAPI, "utf8"));

const response = (p, method, code) => `#/paths/${p.replace(/\//g, "~1")}/${method}/responses/${code}/content/application~1json/schema`;
const TASK = "#/components/schemas/Task";

/** Each JSON body type of api.ts and where openapi.json describes it. */
const PAIRS = {
  Task: response("/api/v1/tasks/{id}", "get", 200),
  TaskList: response("/api/v1/tasks", "get", 200),
  Health: response("/api/v1/health", "get", 200),
  Predictions: response("/api/v1/tasks/{id}/predict", "post", 200),
  Validation: response("/api/v1/tasks/{id}/validation", "get", 200),
  Me: response("/api/v1/me", "get", 200),
  SessionReply: response("/api/v1/session", "post", 200),
  Progress: `${TASK}/properties/progress`,
  Metrics: `${TASK}/properties/metrics`,
  ModelChoice: `${TASK}/properties/metrics/properties/model`,
  LeaderboardEntry: `${TASK}/properties/metrics/properties/leaderboard/items`,
  Prediction: "#/components/schemas/Predictions/properties/predictions/items",
  TopEntry: "#/components/schemas/Predictions/properties/predictions/items/properties/top/items",
  ValidationItem: "#/components/schemas/Validation/properties/items/items",
};
/** Types of api.ts that openapi.json does not describe, and why. */
const NOT_IN_OPENAPI = {
  Status: "an alias of Task.status (checked there)",
  EpochStats: "metrics.history items are free-form in openapi.json",
  ClassMetrics: "metrics.per_class is free-form in openapi.json",
  Backbone: "GET /backbones has no schema in openapi.json, only a description",
  UploadHandle: "the page's own handle of an upload",
};

const { checker, types } = loadTypes([API_TS]);

describe("the checker", () => {
  test("reports each kind of disagreement, naming the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trainbox-openapi-"));
    try {
      const file = path.join(dir, "bad.ts");
      fs.writeFileSync(
        file,
        `export interface Bad {
  id: number;
  extra?: string;
  kind: "image" | "video";
  when?: string;
  list: string[];
  nested: { deep?: boolean; other?: number };
  fine?: number | null;
  free: { anything: string };
  map: Record<string, string>;
  wide: string;
  dom?: Blob;
}`,
      );
      const schema = {
        type: "object",
        required: ["id", "must", "when"],
        properties: {
          id: { type: "string" },
          must: { type: "string" },
          kind: { type: "string", enum: ["image", "text"] },
          when: { type: "string", nullable: true },
          list: { type: "array", items: { type: "integer" } },
          nested: { type: "object", properties: { deep: { type: "string" } } },
          fine: { type: "integer" },
          free: { type: "object" },
          map: { type: "object", additionalProperties: { type: "integer" } },
          wide: { type: "string", enum: ["a", "b"] },
          onlyHere: { type: "string" },
          dom: { type: "object" },
        },
      };
      const { types: bad, checker: c } = loadTypes([file]);
      const { errors, notes } = compareType(c, {}, "Bad", bad.get("Bad"), schema);
      const expect = [
        /^Bad\.id: TypeScript says number, OpenAPI says string$/,
        /^Bad\.extra: declared in TypeScript, not in the OpenAPI schema$/,
        /^Bad\.kind: OpenAPI allows text, missing from the TypeScript type$/,
        /^Bad\.kind: TypeScript allows video, not in the OpenAPI enum$/,
        /^Bad\.when: required in OpenAPI, optional in TypeScript$/,
        /^Bad\.when: OpenAPI says it can be null, TypeScript \(string( \| undefined)?\) does not admit null$/,
        /^Bad\.list\[\]: TypeScript says string, OpenAPI says integer$/,
        /^Bad\.nested\.deep: TypeScript says boolean( \| undefined)?, OpenAPI says string$/,
        /^Bad\.nested\.other: declared in TypeScript, not in the OpenAPI schema$/,
        /^Bad\.map\[key\]: TypeScript says string, OpenAPI says integer$/,
        /^Bad\.must: required in OpenAPI, missing from TypeScript$/,
        /^Bad\.dom: its TypeScript type does not resolve/,
      ];
      for (const re of expect) assert.ok(errors.some((e) => re.test(e)), `expected an error like ${re}; got:\n  ${errors.join("\n  ")}`);
      assert.equal(errors.length, expect.length, `unexpected errors:\n  ${errors.join("\n  ")}`);
      assert.ok(notes.some((n) => /^Bad\.free: OpenAPI leaves it free-form; TypeScript declares anything$/.test(n)), notes.join("\n"));
      assert.ok(notes.some((n) => /^Bad\.onlyHere: in OpenAPI, not declared in TypeScript$/.test(n)), notes.join("\n"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("resolves $ref and JSON pointers", () => {
    assert.equal(pointer(doc, PAIRS.Task).$ref, TASK);
    assert.equal(pointer(doc, `${TASK}/properties/id`).type, "string");
    assert.throws(() => pointer(doc, "#/components/schemas/Nope"), /no "Nope"/);
  });
});

describe("web/src/api.ts against src/http/openapi.json", () => {
  test("every exported type of api.ts is paired with a schema or says why not", () => {
    const unpaired = [...types.keys()].filter((n) => !(n in PAIRS) && !(n in NOT_IN_OPENAPI));
    assert.deepEqual(unpaired, [], `pair these with openapi.json in PAIRS (or list them in NOT_IN_OPENAPI): ${unpaired.join(", ")}`);
    for (const name of [...Object.keys(PAIRS), ...Object.keys(NOT_IN_OPENAPI)]) assert.ok(types.has(name), `api.ts no longer exports ${name}`);
  });

  for (const [name, ref] of Object.entries(PAIRS)) {
    test(`${name} agrees with ${ref.replace(/~1/g, "/")}`, (t) => {
      const { errors, notes } = compareType(checker, doc, name, types.get(name), pointer(doc, ref));
      for (const n of notes) t.diagnostic(`note: ${n}`);
      assert.deepEqual(errors, [], `api.ts and openapi.json disagree:\n  ${errors.join("\n  ")}`);
    });
  }
});
