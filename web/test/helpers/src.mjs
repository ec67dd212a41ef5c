// Imports a module of web/src (TypeScript) from a unit test: `await src("dataset_plan.ts")`.
import { register } from "node:module";

let registered = false;

export function src(relative) {
  if (!registered) {
    register("./ts_hooks.mjs", import.meta.url);
    registered = true;
  }
  return import(new URL(`../../src/${relative}`, import.meta.url).href);
}
