// What the past-tasks panel shows, without the DOM. Unit-tested in web/test/history.test.mjs.

export const PAGE = 10;

/** "3 classes: a, b, c" (first three named, "…" when there are more); "" for none. */
export function classSummary(classes: string[]): string {
  if (!classes.length) return "";
  return `${classes.length} classes: ${classes.slice(0, 3).join(", ")}${classes.length > 3 ? "…" : ""}`;
}

export interface Pager {
  /** The range shown, e.g. "11–20 of 23". */
  label: string;
  /** This is the first page: no newer one. */
  first: boolean;
  /** This is the last page: no older one. */
  last: boolean;
}

/** The pager of the list at `offset` of `total` tasks, or null when one page holds them all. */
export function pagerOf(offset: number, total: number, size = PAGE): Pager | null {
  if (total <= size) return null;
  return { label: `${offset + 1}–${Math.min(total, offset + size)} of ${total}`, first: offset === 0, last: offset + size >= total };
}

/** The offset a pager button moves to from `offset` (read when clicked). */
export function pageOffset(offset: number, direction: "newer" | "older", size = PAGE): number {
  return direction === "newer" ? Math.max(0, offset - size) : offset + size;
}
