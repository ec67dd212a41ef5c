// Transpiles every TypeScript file of web/src into the unit tests' cache in one process (one
// TypeScript load), so that the test files, which run in parallel processes, all find it warm.
// Run by scripts/test_web_unit.sh; the tests work without it, only slower on a first run.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transpile } from "./ts_hooks.mjs";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");
const files = fs.readdirSync(SRC, { recursive: true }).filter((f) => f.endsWith(".ts")).map((f) => path.join(SRC, f));
for (const file of files) await transpile(file, fs.readFileSync(file, "utf8"));
