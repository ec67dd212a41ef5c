// Dataset planning without I/O (mirroring the server's ImageFolder rules: junk files skipped,
// enclosing folders stripped, optional train/ + val/ split, one sub-folder per class), the checks
// that can be made before upload, and the CSV preview's parsing. Pure: no DOM, no fflate, so
// web/test/dataset_plan.test.mjs runs it in Node. dataset.ts reads the files and builds the zip.

export const IMAGE_EXTENSIONS = new Set(["jpg", "jpeg", "png", "webp", "bmp", "gif", "jpe", "jfif"]);
export const MIN_IMAGES_ERROR = 2;
export const MIN_IMAGES_WARNING = 10;
export const IMBALANCE_RATIO = 5;

export interface InputFile {
  /** Path relative to what the user picked, "/"-separated, e.g. "shapes/circle/a.png". */
  path: string;
  file: File;
}

export interface PlannedImage {
  file: File;
  /** Path inside the upload zip, e.g. "circle/a.jpg" or "train/circle/a.jpg". */
  zipPath: string;
  className: string;
}

export interface ClassInfo {
  name: string;
  images: PlannedImage[];
}

export interface Issue {
  level: "error" | "warning";
  message: string;
}

export interface ImagePlan {
  kind: "image";
  rootName: string;
  classes: ClassInfo[];
  images: PlannedImage[];
  split: boolean;
  notImages: string[];
  loose: string[];
  totalBytes: number;
  issues: Issue[];
}

function splitPath(path: string): string[] {
  return path.split(/[\\/]+/).filter((p) => p.length > 0);
}

export function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

export function isOsJunk(parts: string[]): boolean {
  return parts.some(
    (p) => p === "__MACOSX" || p.startsWith(".") || p === "Thumbs.db" || p === "desktop.ini",
  );
}

function isSplitName(name: string, val: boolean): boolean {
  if (!val) return name === "train";
  return name === "val" || name === "valid" || name === "validation" || name === "test";
}

function listSome(items: string[], most = 3): string {
  const shown = items.slice(0, most).join(", ");
  return items.length > most ? `${shown} and ${items.length - most} more` : shown;
}

/** Pure planning over paths (used for folders, and for the entries of a dropped zip). */
export function planPaths<T>(entries: { path: string; item: T }[]): {
  rootName: string;
  classes: Map<string, { item: T; rel: string[] }[]>;
  split: boolean;
  notImages: string[];
  loose: string[];
} {
  const notImages: string[] = [];
  let files: { parts: string[]; item: T; path: string }[] = [];
  for (const e of entries) {
    const parts = splitPath(e.path);
    if (parts.length === 0 || isOsJunk(parts)) continue;
    if (!IMAGE_EXTENSIONS.has(extension(parts[parts.length - 1]))) {
      notImages.push(e.path);
      continue;
    }
    files.push({ parts, item: e.item, path: e.path });
  }
  // Strip enclosing folders shared by every file while each file stays 2+ levels deep.
  let rootName = "";
  while (files.length > 0) {
    const first = files[0].parts[0];
    const shared = files.every((f) => f.parts.length >= 3 && f.parts[0] === first);
    if (!shared || isSplitName(first, false) || isSplitName(first, true)) break;
    rootName = first;
    files = files.map((f) => ({ ...f, parts: f.parts.slice(1) }));
  }
  let hasTrain = false;
  let hasVal = false;
  for (const f of files) {
    if (f.parts.length < 3) continue;
    hasTrain ||= isSplitName(f.parts[0], false);
    hasVal ||= isSplitName(f.parts[0], true);
  }
  const split = hasTrain && hasVal;
  const depth = split ? 1 : 0;
  const classes = new Map<string, { item: T; rel: string[] }[]>();
  const loose: string[] = [];
  for (const f of files) {
    const inSplit = split && (isSplitName(f.parts[0], false) || isSplitName(f.parts[0], true));
    if (f.parts.length < depth + 2 || (split && !inSplit)) {
      loose.push(f.path);
      continue;
    }
    const name = f.parts[depth];
    if (!classes.has(name)) classes.set(name, []);
    classes.get(name)!.push({ item: f.item, rel: f.parts });
  }
  return { rootName, classes, split, notImages, loose };
}

/** Checks the class counts: errors block the upload, warnings are shown. */
export function checkCounts(
  counts: { name: string; count: number }[],
  notImages: string[],
  loose: string[],
): Issue[] {
  const issues: Issue[] = [];
  if (counts.length < 2) {
    issues.push({
      level: "error",
      message:
        counts.length === 0
          ? "No images in class folders were found. Pick a folder that holds one sub-folder per class, with the images inside."
          : `Only one class folder ("${counts[0].name}") was found. Put each class's images in its own sub-folder: at least 2 classes are needed.`,
    });
  }
  const tooFew = counts.filter((c) => c.count < MIN_IMAGES_ERROR);
  if (tooFew.length > 0) {
    issues.push({
      level: "error",
      message: `Class ${listSome(tooFew.map((c) => `"${c.name}"`))} has fewer than ${MIN_IMAGES_ERROR} images; each class needs at least ${MIN_IMAGES_ERROR} (one to train on, one to check).`,
    });
  }
  const few = counts.filter((c) => c.count >= MIN_IMAGES_ERROR && c.count < MIN_IMAGES_WARNING);
  if (few.length > 0) {
    issues.push({
      level: "warning",
      message: `Class ${listSome(few.map((c) => `"${c.name}" (${c.count})`))} has fewer than ${MIN_IMAGES_WARNING} images; results will be unreliable. Add more examples if you can.`,
    });
  }
  if (notImages.length > 0) {
    issues.push({
      level: "warning",
      message: `${notImages.length} file${notImages.length === 1 ? " is" : "s are"} not an image and will be left out: ${listSome(notImages)}.`,
    });
  }
  if (loose.length > 0) {
    issues.push({
      level: "warning",
      message: `${loose.length} image${loose.length === 1 ? " is" : "s are"} outside a class folder and will be left out: ${listSome(loose)}.`,
    });
  }
  if (counts.length >= 2) {
    const sorted = [...counts].sort((a, b) => b.count - a.count);
    const big = sorted[0];
    const small = sorted[sorted.length - 1];
    if (small.count > 0 && big.count / small.count >= IMBALANCE_RATIO) {
      issues.push({
        level: "warning",
        message: `Classes are very unequal: "${big.name}" has ${big.count} images but "${small.name}" only ${small.count}. The model may favour the larger class.`,
      });
    }
  }
  return issues;
}

export function planFolder(inputs: InputFile[]): ImagePlan {
  const planned = planPaths(inputs.map((i) => ({ path: i.path, item: i.file })));
  const used = new Set<string>();
  const classes: ClassInfo[] = [];
  const names = [...planned.classes.keys()].sort();
  for (const name of names) {
    const images: PlannedImage[] = [];
    for (const { item, rel } of planned.classes.get(name)!) {
      // Keep <class>/<file> (and train/ val/ when present), re-encoded as JPEG.
      const stem = rel.join("/").replace(/\.[^./]+$/, "");
      let zipPath = `${stem}.jpg`;
      for (let n = 2; used.has(zipPath); n++) zipPath = `${stem}-${n}.jpg`;
      used.add(zipPath);
      images.push({ file: item, zipPath, className: name });
    }
    images.sort((a, b) => a.zipPath.localeCompare(b.zipPath));
    classes.push({ name, images });
  }
  const images = classes.flatMap((c) => c.images);
  const issues = checkCounts(
    classes.map((c) => ({ name: c.name, count: c.images.length })),
    planned.notImages,
    planned.loose,
  );
  return {
    kind: "image",
    rootName: planned.rootName,
    classes,
    images,
    split: planned.split,
    notImages: planned.notImages,
    loose: planned.loose,
    totalBytes: images.reduce((sum, i) => sum + i.file.size, 0),
    issues,
  };
}

export interface ZipSummary {
  classes: { name: string; count: number }[];
  issues: Issue[];
  readable: boolean;
}

/** The preview of a zip from its entry names (folders end with "/"). */
export function summariseZipNames(names: string[]): ZipSummary {
  const planned = planPaths(names.filter((n) => !n.endsWith("/")).map((n) => ({ path: n, item: n })));
  const classes = [...planned.classes.entries()]
    .map(([name, items]) => ({ name, count: items.length }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    classes,
    readable: true,
    issues: checkCounts(classes, planned.notImages, planned.loose),
  };
}

/** What the preview says of a zip the browser cannot list. */
export function unreadableZip(): ZipSummary {
  return {
    classes: [],
    readable: false,
    issues: [
      {
        level: "warning",
        message:
          "This zip could not be read in the browser; it may be damaged. It will be sent as is and the server will report what is wrong.",
      },
    ],
  };
}

export interface CsvSummary {
  rows: number;
  columns: string[];
  labelColumn: string | null;
  classes: { name: string; count: number }[];
  issues: Issue[];
}

/** Minimal RFC 4180 parser (quotes, doubled quotes, CRLF), enough to preview a text dataset. */
export function parseCsv(text: string, maxRows = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length && rows.length < maxRows; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The preview of a text dataset from its CSV text (the label column guessed or named). */
export function summariseCsvText(text: string, labelHint = ""): CsvSummary {
  const rows = parseCsv(text);
  const issues: Issue[] = [];
  if (rows.length === 0) {
    return { rows: 0, columns: [], labelColumn: null, classes: [], issues: [{ level: "error", message: "The CSV file is empty." }] };
  }
  const header = rows[0].map((c) => c.trim());
  const lower = header.map((c) => c.toLowerCase());
  let labelIndex = labelHint ? header.indexOf(labelHint) : -1;
  if (labelIndex < 0) labelIndex = lower.findIndex((c) => c === "label" || c === "class" || c === "category");
  const hasHeader = labelIndex >= 0 || lower.includes("text");
  if (labelIndex < 0) labelIndex = header.length - 1;
  const body = hasHeader ? rows.slice(1) : rows;
  const counts = new Map<string, number>();
  for (const r of body) {
    const label = (r[labelIndex] ?? "").trim();
    if (!label) continue;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const classes = [...counts.entries()]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  if (header.length < 2) {
    issues.push({ level: "warning", message: "The CSV should have two columns: text,label." });
  }
  if (classes.length > 200) {
    issues.push({
      level: "warning",
      message: `${classes.length} different labels were found; check that the label column is right.`,
    });
  } else {
    issues.push(...checkCounts(classes, [], []));
  }
  return {
    rows: body.length,
    columns: hasHeader ? header : header.map((_, i) => `column ${i + 1}`),
    labelColumn: hasHeader ? header[labelIndex] : null,
    classes,
    issues,
  };
}

/** The class-count badge's class: "bad" below MIN_IMAGES_ERROR, "warn" below MIN_IMAGES_WARNING. */
export function countClass(count: number): string {
  return `class-count${count < MIN_IMAGES_ERROR ? " bad" : count < MIN_IMAGES_WARNING ? " warn" : ""}`;
}
