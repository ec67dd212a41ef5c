// The preview of what was picked, before anything is sent: classes, counts, thumbnails, checks.
import { countList } from "../../components/count_list";
import { issueList } from "../../components/issue_list";
import { countClass, type ClassInfo, type CsvSummary, type ImagePlan, type ZipSummary } from "../../dataset_plan";
import { h, replace } from "../../dom";
import { formatBytes } from "../../format";
import { MODEL_SIZE } from "../../resize";
import { app, type Selection } from "../../state";

export function renderPreview(preview: HTMLElement, sel: Selection | null): void {
  if (!sel) replace(preview);
  else if (sel.type === "folder") replace(preview, ...folderPreview(sel.plan));
  else if (sel.type === "zip") replace(preview, ...zipPreview(sel.file, sel.summary));
  else replace(preview, ...csvPreview(sel.file, sel.summary));
}

function folderPreview(plan: ImagePlan): (HTMLElement | null)[] {
  return [
    h("h3", null, `${plan.images.length} images in ${plan.classes.length} ${plan.classes.length === 1 ? "class" : "classes"}`),
    h(
      "p",
      { class: "muted" },
      plan.rootName ? `Folder “${plan.rootName}”, ` : "",
      `${formatBytes(plan.totalBytes)}. Each image will be cropped to its centred square and resized to ${MODEL_SIZE}×${MODEL_SIZE} in this browser before upload.`,
      plan.split ? " A train/ and val/ split was found and will be kept." : "",
    ),
    issueList(plan.issues),
    h("ul", { class: "class-grid", "data-testid": "class-grid" }, plan.classes.map(classCard)),
  ];
}

/** A class of a picked folder: its name, its count and its first four images. */
function classCard(c: ClassInfo): HTMLElement {
  return h(
    "li",
    { class: "class-card" },
    h(
      "div",
      { class: "class-head" },
      h("span", { class: "class-name", "data-testid": "class-name", title: c.name }, c.name),
      h("span", { class: countClass(c.images.length) }, `${c.images.length}`),
    ),
    h(
      "div",
      { class: "thumbs" },
      c.images.slice(0, 4).map((img) => {
        const url = URL.createObjectURL(img.file);
        app.thumbUrls.push(url);
        return h("img", { src: url, alt: `${c.name}: ${img.file.name}`, loading: "lazy", decoding: "async", width: 56, height: 56 });
      }),
    ),
  );
}

function zipPreview(file: File, s: ZipSummary): (HTMLElement | null)[] {
  return [
    h("h3", null, `Archive ${file.name}`),
    h(
      "p",
      { class: "muted" },
      `${formatBytes(file.size)}, sent as is.`,
      s.readable ? ` ${s.classes.reduce((a, c) => a + c.count, 0)} images in ${s.classes.length} class folders.` : "",
    ),
    issueList(s.issues),
    s.classes.length ? countList(s.classes) : null,
  ];
}

function csvPreview(file: File, s: CsvSummary): (HTMLElement | null)[] {
  return [
    h("h3", null, `Text dataset ${file.name}`),
    h(
      "p",
      { class: "muted" },
      `${formatBytes(file.size)}, ${s.rows} rows; columns: ${s.columns.join(", ")}.`,
      s.labelColumn ? ` Labels read from “${s.labelColumn}”.` : "",
    ),
    issueList(s.issues),
    s.classes.length ? countList(s.classes.slice(0, 50)) : null,
  ];
}
