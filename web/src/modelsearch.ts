// The model search of a finished task (metrics.leaderboard) as a table, and the model names the
// backbone option takes. Built with h() only: candidate names and reasons come from the server
// and always end up as text nodes.

import type { LeaderboardEntry, Metrics } from "./api";
import { h } from "./dom";
import { formatPercent, formatSeconds, num } from "./format";

/** Models the backbone option names besides installed backbones ("auto" searches them all). */
export const IMAGE_MODELS: { name: string; label: string }[] = [
  { name: "kernel_rbf", label: "kernel_rbf (image: RBF kernel on small pixels, no epochs)" },
  { name: "tiny_cnn", label: "tiny_cnn (image: small CNN from scratch)" },
  { name: "cnn_224", label: "cnn_224 (image: CNN from scratch at 224 px)" },
];
export const TEXT_MODELS: { name: string; label: string }[] = [
  { name: "tfidf_linear", label: "tfidf_linear (text: TF-IDF + linear model, no epochs)" },
  { name: "embedding", label: "embedding (text: bag-of-words embedding, trained by epochs)" },
];

/** The entries of metrics.leaderboard that have a name, best first; skipped ones last. */
export function leaderboardRows(metrics: Metrics | null | undefined): LeaderboardEntry[] {
  const raw = Array.isArray(metrics?.leaderboard) ? metrics.leaderboard : [];
  const rows = raw.filter((r): r is LeaderboardEntry => Boolean(r) && typeof r === "object" && typeof r.candidate === "string");
  const key = (r: LeaderboardEntry) => num(r.val_accuracy) ?? -1;
  // Stable sort: by validation accuracy, the kept one first among equals, else the server's order.
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => key(b.r) - key(a.r) || Number(b.r.kept === true) - Number(a.r.kept === true) || a.i - b.i)
    .map((x) => x.r);
}

/** The "Model search" section, or null when the task has no leaderboard. */
export function modelSearchSection(metrics: Metrics | null | undefined): HTMLElement | null {
  const rows = leaderboardRows(metrics);
  if (rows.length === 0) return null;
  const ran = rows.filter((r) => num(r.val_accuracy) !== undefined).length;
  return h(
    "section",
    { class: "model-search", "aria-labelledby": "model-search-title", "data-testid": "model-search" },
    h("h3", { id: "model-search-title" }, "Model search"),
    h(
      "p",
      { class: "muted small" },
      `${ran} of ${rows.length} candidate${rows.length === 1 ? "" : "s"} trained and measured on the validation set; the kept one is the model you download.`,
    ),
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Model search leaderboard" },
      h(
        "table",
        { class: "leaderboard", "data-testid": "leaderboard" },
        h("caption", { class: "visually-hidden" }, "Candidates tried, best validation accuracy first"),
        h("thead", null, h("tr", null, ["Candidate", "Validation accuracy", "Seconds", "Outcome"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", null, rows.map(leaderboardRow)),
      ),
    ),
  );
}

function leaderboardRow(r: LeaderboardEntry): HTMLElement {
  const acc = num(r.val_accuracy);
  const kept = r.kept === true;
  const skipped = acc === undefined;
  const why = typeof r.why === "string" ? r.why : "";
  const loss = num(r.val_loss);
  const speed = num(r.items_per_s);
  const outcome = kept
    ? [h("span", { class: "badge kept" }, "kept"), why ? ` ${why}` : ""]
    : [h("span", { class: `badge ${skipped ? "skipped" : "dropped"}` }, skipped ? "skipped" : "dropped"), why ? ` ${why}` : ""];
  return h(
    "tr",
    {
      class: kept ? "kept" : skipped ? "skipped" : "dropped",
      "data-testid": "leaderboard-row",
      "data-kept": kept ? "true" : "false",
      "aria-current": kept ? "true" : null,
    },
    h("th", { scope: "row", "data-testid": "candidate" }, h("code", null, r.candidate)),
    h("td", { "data-label": "val.", title: loss !== undefined ? `validation loss ${loss.toFixed(3)}` : null }, formatPercent(acc)),
    h("td", { title: speed ? `${Math.round(speed)} items/s` : null }, formatSeconds(num(r.seconds))),
    h("td", { class: "outcome", "data-testid": "outcome" }, outcome),
  );
}

/** What the charts area says when a finished task has no per-epoch history. */
export function noCurveNote(metrics: Metrics | null | undefined): HTMLElement {
  const arch = typeof metrics?.model?.architecture === "string" ? metrics.model.architecture : "";
  return h(
    "p",
    { class: "muted no-curve", "data-testid": "no-curve" },
    "No per-epoch curve for this model",
    arch ? [": ", h("code", null, arch), " is not trained by epochs."] : ".",
  );
}
