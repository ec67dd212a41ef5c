// Generated test images: coloured shapes on varied backgrounds, and smooth/noisy patterns for the
// resize comparison. Deterministic (seeded).
import fs from "node:fs";
import path from "node:path";
import { encodePng } from "./png.mjs";

export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function inside(shape, x, y, cx, cy, r) {
  const dx = x - cx;
  const dy = y - cy;
  if (shape === "circle") return dx * dx + dy * dy <= r * r;
  if (shape === "square") return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
  // triangle pointing up
  const top = cy - r;
  const bottom = cy + r * 0.8;
  if (y < top || y > bottom) return false;
  const half = ((y - top) / (bottom - top)) * r;
  return Math.abs(dx) <= half;
}

/** One shape image, RGBA. */
export function shapeImage(shape, size, random) {
  const data = new Uint8Array(size * size * 4);
  const bg = [200 + random() * 55, 200 + random() * 55, 200 + random() * 55];
  const fg = [random() * 160, random() * 160, random() * 160];
  const r = size * (0.22 + random() * 0.12);
  const cx = size / 2 + (random() - 0.5) * size * 0.2;
  const cy = size / 2 + (random() - 0.5) * size * 0.2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      const on = inside(shape, x + 0.5, y + 0.5, cx, cy, r);
      const c = on ? fg : bg;
      const noise = (random() - 0.5) * 12;
      data[o] = Math.max(0, Math.min(255, c[0] + noise));
      data[o + 1] = Math.max(0, Math.min(255, c[1] + noise));
      data[o + 2] = Math.max(0, Math.min(255, c[2] + noise));
      data[o + 3] = 255;
    }
  }
  return data;
}

export const SHAPES = ["circle", "square", "triangle"];

/** Writes <dir>/<shape>/<shape>-NN.png for each shape; returns the class names. */
export function writeShapeDataset(dir, { perClass = 20, size = 64, seed = 7, shapes = SHAPES } = {}) {
  const random = rng(seed);
  for (const shape of shapes) {
    fs.mkdirSync(path.join(dir, shape), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = encodePng(size, size, shapeImage(shape, size, random));
      fs.writeFileSync(path.join(dir, shape, `${shape}-${String(i).padStart(2, "0")}.png`), png);
    }
  }
  return shapes;
}

/** Test patterns for the resize comparison: gradients, shapes, stripes and noise. */
export function patternImage(width, height, kind, seed = 1) {
  const random = rng(seed);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let r;
      let g;
      let b;
      let a = 255;
      if (kind === "gradient") {
        r = (x / width) * 255;
        g = (y / height) * 255;
        b = 128 + 100 * Math.sin((x + y) / 23);
      } else if (kind === "stripes") {
        const v = Math.floor(x / 3) % 2 === 0 ? 230 : 20;
        r = v;
        g = 255 - v;
        b = (y * 7) % 256;
      } else if (kind === "noise") {
        r = random() * 255;
        g = random() * 255;
        b = random() * 255;
      } else if (kind === "alpha") {
        r = 200;
        g = (x * 3) % 256;
        b = 40;
        a = Math.round((y / Math.max(1, height - 1)) * 255);
      } else {
        const on = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
        r = on ? 220 : 30;
        g = on ? 40 : 120 + (x % 50);
        b = on ? 60 : 200;
      }
      data[o] = Math.max(0, Math.min(255, Math.round(r)));
      data[o + 1] = Math.max(0, Math.min(255, Math.round(g)));
      data[o + 2] = Math.max(0, Math.min(255, Math.round(b)));
      data[o + 3] = a;
    }
  }
  return data;
}
