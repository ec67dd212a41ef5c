// Predict dropped or picked images: each is cropped and resized here with the resize rule and
// sent as PNG (the exact pixels), at most MAX_PREDICT_IMAGES at a time.
import { api } from "../../api";
import { scoreBars } from "../../charts";
import { errorBox } from "../../components/error_box";
import { issueList } from "../../components/issue_list";
import { h, replace } from "../../dom";
import { describeError } from "../../format";
import { encodeImage, MODEL_SIZE, resizeToPixels } from "../../resize";
import type { PredictForm } from "./predict";
import { MAX_PREDICT_IMAGES, pngName, predictingLabel, topOf } from "./predict_data";

interface Prepared {
  name: string;
  blob: Blob;
  url: string;
}

export function imagePredictForm(form: PredictForm): HTMLElement[] {
  const fileInput = h("input", { type: "file", accept: "image/*", multiple: true, id: "predict-file", class: "visually-hidden", tabindex: "-1", "data-testid": "predict-file" });
  fileInput.addEventListener("change", () => void predictImages(form, Array.from(fileInput.files ?? [])));
  const drop = h(
    "div",
    { class: "dropzone small", "data-testid": "predict-drop" },
    h("p", null, "Drop images here or"),
    h("button", { type: "button", class: "primary", onclick: () => fileInput.click() }, "Choose images…"),
    fileInput,
  );
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    void predictImages(form, Array.from(e.dataTransfer?.files ?? []));
  });
  return [drop, h("p", { class: "muted small" }, `Images are cropped and resized to ${MODEL_SIZE}×${MODEL_SIZE} here with the same rule as for training.`)];
}

/** Resizes each file with the resize rule (PNG: exact pixels); names the ones that are not images. */
async function prepare(files: File[]): Promise<{ prepared: Prepared[]; failed: string[] }> {
  const prepared: Prepared[] = [];
  const failed: string[] = [];
  for (const f of files.slice(0, MAX_PREDICT_IMAGES)) {
    try {
      // PNG: the exact pixels of the resize rule (one small image, so size does not matter).
      const blob = await encodeImage(await resizeToPixels(f), "image/png");
      prepared.push({ name: f.name, blob, url: URL.createObjectURL(blob) });
    } catch {
      failed.push(f.name);
    }
  }
  return { prepared, failed };
}

async function predictImages(form: PredictForm, files: File[]): Promise<void> {
  const { results } = form;
  if (files.length === 0) return;
  replace(results, h("p", { class: "muted" }, predictingLabel(files.length)));
  try {
    const { prepared, failed } = await prepare(files);
    if (prepared.length === 0) {
      replace(results, errorBox("Not an image", `The browser could not read ${failed.join(", ")} as an image.`));
      return;
    }
    const r = await api.predictImages(form.taskId(), prepared.map((p) => p.blob), prepared.map((p) => pngName(p.name)), 3);
    replace(
      results,
      failed.length ? issueList([{ level: "warning", message: `Could not read ${failed.join(", ")} as images.` }]) : null,
      r.predictions.map((p, i) =>
        h(
          "div",
          { class: "prediction", "data-testid": "prediction" },
          h("img", { src: prepared[i].url, alt: prepared[i].name, width: 112, height: 112 }),
          h("div", { class: "prediction-body" }, h("p", { class: "file-name" }, prepared[i].name), scoreBars(topOf(p))),
        ),
      ),
    );
  } catch (err) {
    replace(results, errorBox("Prediction failed", describeError(err)));
  }
}
