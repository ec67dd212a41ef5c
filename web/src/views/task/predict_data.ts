// The predict form's rules without the DOM. Unit-tested in web/test/task_page.test.mjs.
import type { Prediction, TopEntry } from "../../api";

/** At most this many images are sent in one prediction request. */
export const MAX_PREDICT_IMAGES = 32;

/** The texts of the text box: one per line, trimmed, blank lines left out. */
export function textsOf(value: string): string[] {
  return value.split("\n").map((t) => t.trim()).filter(Boolean);
}

/** The name an image is uploaded under: its stem with .png (the page sends the exact pixels). */
export function pngName(name: string): string {
  return name.replace(/\.[^.]+$/, "") + ".png";
}

/** The bars of a prediction: its top classes, or the one predicted when the server sent no top. */
export function topOf(p: Prediction): TopEntry[] {
  return p.top?.length ? p.top : [{ label: p.label, score: p.score }];
}

/** "Resizing and predicting 3 images…" */
export function predictingLabel(count: number): string {
  return `Resizing and predicting ${count} image${count > 1 ? "s" : ""}…`;
}
