// Formatting helpers of the page: pure functions (no DOM), unit-tested in web/test/format.test.mjs.

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "?";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${(value * 100).toFixed(digits)}%`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Seconds of a model-search candidate: two decimals below 10 s, one below a minute. */
export function formatSeconds(v: number | undefined): string {
  if (v === undefined) return "—";
  if (v < 10) return `${v.toFixed(2)} s`;
  if (v < 60) return `${v.toFixed(1)} s`;
  return formatDuration(v);
}

/** The value when it is a finite number, else undefined (server JSON is not trusted blindly). */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A progress phase as words: "training_epochs" -> "Training epochs"; "" when there is none. */
export function phaseName(phase: string | undefined): string {
  if (!phase) return "";
  const p = phase.replace(/[_-]+/g, " ");
  return p.charAt(0).toUpperCase() + p.slice(1);
}

/** The message of anything thrown (ApiError and Error carry a message a person can read). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
