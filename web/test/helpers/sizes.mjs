// Measures the page's sources for the size rules of web/README.md: no file of web/src over
// MAX_FILE_LINES lines, no function (declaration, expression, arrow, method, accessor,
// constructor) over MAX_FUNCTION_LINES lines, counted from its first to its last line, nested
// functions included in their parent. Parsed with the TypeScript compiler, so comments, strings
// and templates never confuse it.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 60;

export function lineCount(text) {
  if (text.length === 0) return 0;
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

function functionName(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText(sf);
  }
  if (ts.isConstructorDeclaration(node)) return "constructor";
  return "(anonymous)";
}

/** Every function of a TypeScript source with its line span: [{ name, line, lines }]. */
export function functionSizes(text, fileName = "source.ts") {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ name: functionName(node, sf), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** All files under dir (recursively), relative paths, sorted. */
export function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.map((p) => path.relative(dir, p)).sort();
}

/** The breaches of the size rules under dir, as sentences naming the file and function. */
export function sizeProblems(dir, { maxFile = MAX_FILE_LINES, maxFunction = MAX_FUNCTION_LINES } = {}) {
  const problems = [];
  for (const rel of filesUnder(dir)) {
    const text = fs.readFileSync(path.join(dir, rel), "utf8");
    const lines = lineCount(text);
    if (lines > maxFile) problems.push(`${rel}: ${lines} lines (the limit is ${maxFile})`);
    if (!/\.tsx?$/.test(rel)) continue;
    for (const f of functionSizes(text, rel)) {
      if (f.lines > maxFunction) problems.push(`${rel}:${f.line}: function ${f.name} is ${f.lines} lines (the limit is ${maxFunction})`);
    }
  }
  return problems;
}
