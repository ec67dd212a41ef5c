// Module hooks (node:module register) that let the unit tests import the page's TypeScript
// sources directly: a relative import without an extension from a .ts file resolves to the .ts
// file, and .ts files are transpiled with the TypeScript already installed in web/node_modules
// (types are only stripped here; `tsc --noEmit` checks them). No other dependency.
// Transpiled files are cached by content under web/node_modules/.cache/ (TypeScript itself is
// only loaded on a cache miss), which keeps a warm run of the unit tests fast.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const RELATIVE = /^\.{1,2}\//;
const HAS_EXTENSION = /\.[cm]?[jt]s$|\.json$/;
const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TS_PACKAGE = path.join(WEB, "node_modules", "typescript", "package.json");
const TS_VERSION = fs.existsSync(TS_PACKAGE) ? JSON.parse(fs.readFileSync(TS_PACKAGE, "utf8")).version : "none";
const OPTIONS = { module: "ESNext", target: "ES2022", isolatedModules: true, inlineSourceMap: true, inlineSources: true };

let typescript = null;
const loadTypeScript = () => (typescript ??= import("typescript").then((m) => m.default ?? m));

function cacheDir() {
  for (const dir of [path.join(WEB, "node_modules", ".cache", "trainbox-unit"), path.join(os.tmpdir(), "trainbox-unit-cache")]) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      /* try the next one */
    }
  }
  return null;
}
const CACHE = cacheDir();

/** The ES module of a TypeScript source (types stripped), from the cache when it is there. */
export async function transpile(fileName, source) {
  const key = createHash("sha256").update(`${TS_VERSION}\0${JSON.stringify(OPTIONS)}\0${fileName}\0${source}`).digest("hex");
  const cached = CACHE && path.join(CACHE, `${key}.mjs`);
  if (cached && fs.existsSync(cached)) return fs.readFileSync(cached, "utf8");
  const ts = await loadTypeScript();
  const { outputText } = ts.transpileModule(source, {
    fileName,
    compilerOptions: { ...OPTIONS, module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  if (cached) {
    // Write then rename: test files run in parallel processes.
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, outputText);
    fs.renameSync(tmp, cached);
  }
  return outputText;
}

export async function resolve(specifier, context, next) {
  if (RELATIVE.test(specifier) && !HAS_EXTENSION.test(specifier) && context.parentURL?.endsWith(".ts")) {
    return next(`${specifier}.ts`, context);
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const fileName = fileURLToPath(url);
  const source = await transpile(fileName, fs.readFileSync(fileName, "utf8"));
  return { format: "module", source, shortCircuit: true };
}
