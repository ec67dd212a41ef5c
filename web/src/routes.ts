// Which view a location hash shows. Pure: unit-tested in web/test/routes.test.mjs.

export type Route = { view: "task"; id: string } | { view: "new" } | { view: "keep" };

/**
 * "#/tasks/<id>" opens that task; in-page anchors (#main, #history-title) are not routes and keep
 * the current view once there is one; anything else is the new-task view.
 */
export function routeOf(hash: string, hasView: boolean): Route {
  if (hash.length > 1 && !hash.startsWith("#/") && hasView) return { view: "keep" };
  const match = /^#\/tasks\/([^/?#]+)/.exec(hash);
  if (match) return { view: "task", id: decodeURIComponent(match[1]) };
  return { view: "new" };
}

export function taskHash(id: string): string {
  return `#/tasks/${encodeURIComponent(id)}`;
}

/**
 * After a sign-in, whether the view stays as it is: the new-task view keeps what was picked; a
 * task view is rebuilt (its follower was stopped), and so is any view when the address now names a
 * task (a link followed while signed out).
 */
export function keepsViewAfterSignIn(hash: string, hasView: boolean, openTaskId: string | null): boolean {
  return hasView && openTaskId === null && routeOf(hash, true).view !== "task";
}
