// The page stays made of small parts: no file of web/src over 400 lines, no function over 60
// (web/README.md). The measuring itself is checked on made-up sources first.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { functionSizes, lineCount, MAX_FILE_LINES, MAX_FUNCTION_LINES, sizeProblems } from "./helpers/sizes.mjs";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");
const body = (n) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");

describe("the size measure", () => {
  test("counts lines like wc -l", () => {
    assert.equal(lineCount(""), 0);
    assert.equal(lineCount("a"), 1);
    assert.equal(lineCount("a\nb\n"), 2);
    assert.equal(lineCount("a\nb"), 2);
  });
  test("finds declarations, arrows, methods and accessors, nested ones on their own, with their names", () => {
    const source = [
      "export function outer(): void {", // 1
      "  const inner = () => {", // 2
      "    return 1;", // 3
      "  };", // 4
      "}", // 5
      "class K {", // 6
      "  method(): number { return 2; }", // 7
      "  get value(): number {", // 8
      "    return 3;", // 9
      "  }", // 10
      "}", // 11
      "const obj = { handler: function () {} };", // 12
      "declare function ambient(): void;", // 13: no body, not counted
    ].join("\n");
    const sizes = functionSizes(source);
    assert.deepEqual(
      sizes.map((f) => [f.name, f.line, f.lines]),
      [["outer", 1, 5], ["inner", 2, 3], ["method", 7, 1], ["value", 8, 3], ["handler", 12, 1]],
    );
  });
  test("a function of 60 lines passes, one of 61 is reported by file, line and name", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trainbox-size-"));
    try {
      fs.writeFileSync(path.join(dir, "ok.ts"), `export function ok() {\n${body(MAX_FUNCTION_LINES - 2)}\n}\n`);
      fs.mkdirSync(path.join(dir, "views"));
      fs.writeFileSync(path.join(dir, "views", "long.ts"), `// header\nexport const long = () => {\n${body(MAX_FUNCTION_LINES - 1)}\n};\n`);
      fs.writeFileSync(path.join(dir, "big.css"), "a{}\n".repeat(MAX_FILE_LINES + 1));
      assert.deepEqual(sizeProblems(dir).sort(), [
        `big.css: ${MAX_FILE_LINES + 1} lines (the limit is ${MAX_FILE_LINES})`,
        `views/long.ts:2: function long is ${MAX_FUNCTION_LINES + 1} lines (the limit is ${MAX_FUNCTION_LINES})`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("web/src", () => {
  test(`no file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const problems = sizeProblems(SRC);
    assert.deepEqual(problems, [], `split these up:\n  ${problems.join("\n  ")}`);
  });
  test("main.ts is a small router", () => {
    const lines = lineCount(fs.readFileSync(path.join(SRC, "main.ts"), "utf8"));
    assert.ok(lines <= 60, `main.ts has ${lines} lines`);
  });
});
