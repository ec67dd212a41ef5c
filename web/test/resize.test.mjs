// THE RESIZE RULE in plain TypeScript (web/src/resize.ts): largest centred square crop, then
// antialiased bilinear (PyTorch _upsample_bilinear2d_aa, align_corners=false) of RGB composited
// on white. Checked against a direct 2D reference written here, on exact properties, and on
// golden hashes of its output (so a refactoring cannot move a single pixel unnoticed).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { src } from "./helpers/src.mjs";

const r = await src("resize.ts");

/** Deterministic RGBA test image (LCG noise in G and A, patterns in R and B). */
function image(w, h, seed, alpha) {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const d = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    d[i * 4] = (x * 7 + y * 3) & 255;
    d[i * 4 + 1] = Math.floor(rand() * 256);
    d[i * 4 + 2] = (x * y) & 255;
    d[i * 4 + 3] = alpha ? Math.floor(rand() * 256) : 255;
  }
  return { width: w, height: h, data: d };
}

function solid(w, h, [cr, cg, cb, ca]) {
  const d = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([cr, cg, cb, ca], i * 4);
  return { width: w, height: h, data: d };
}

/** out(o) = sum_i w(o, i) in(i), with the triangle filter widened by the scale when shrinking. */
function weights1d(inSize, outSize, o) {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const center = (o + 0.5) * scale;
  const taps = [];
  for (let i = 0; i < inSize; i++) {
    const w = Math.max(0, 1 - Math.abs(i + 0.5 - center) / support);
    if (w > 0) taps.push([i, w]);
  }
  const total = taps.reduce((a, [, w]) => a + w, 0);
  return taps.map(([i, w]) => [i, w / total]);
}

function reference(img, size) {
  const side = Math.min(img.width, img.height);
  const left = Math.floor((img.width - side) / 2);
  const top = Math.floor((img.height - side) / 2);
  const px = (x, y, c) => {
    const o = ((top + y) * img.width + left + x) * 4;
    const a = img.data[o + 3];
    return Math.floor((img.data[o + c] * a + 255 * (255 - a)) / 255);
  };
  const w = Array.from({ length: size }, (_, o) => weights1d(side, size, o));
  const out = new Uint8Array(size * size * 3);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (const [y, wy] of w[oy]) for (const [x, wx] of w[ox]) v += wy * wx * px(x, y, c);
        out[(oy * size + ox) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

const sha = (data) => createHash("sha256").update(data).digest("hex");

describe("resize rule", () => {
  test("squareCrop is the largest centred square (offsets rounded down)", () => {
    assert.deepEqual(r.squareCrop(640, 480), { left: 80, top: 0, side: 480 });
    assert.deepEqual(r.squareCrop(300, 521), { left: 0, top: 110, side: 300 });
    assert.deepEqual(r.squareCrop(3, 2), { left: 0, top: 0, side: 2 });
    assert.deepEqual(r.squareCrop(224, 224), { left: 0, top: 0, side: 224 });
  });

  test("axisWeights: taps inside the input, weights sum to 1, wider when shrinking", () => {
    for (const [inSize, outSize] of [[480, 224], [64, 224], [224, 224], [1000, 224], [7, 3]]) {
      const aw = r.axisWeights(inSize, outSize);
      for (let i = 0; i < outSize; i++) {
        let sum = 0;
        for (let j = 0; j < aw.count[i]; j++) sum += aw.weights[i * aw.stride + j];
        assert.ok(Math.abs(sum - 1) < 1e-9, `${inSize}->${outSize} out ${i}: weights sum to ${sum}`);
        assert.ok(aw.start[i] >= 0 && aw.start[i] + aw.count[i] <= inSize);
      }
    }
    assert.ok(r.axisWeights(1000, 224).count[100] > r.axisWeights(64, 224).count[100]);
    const same = r.axisWeights(224, 224);
    for (let i = 0; i < 224; i++) assert.equal(same.weights[i * same.stride + (i - same.start[i])], 1);
  });

  test("224x224 in: the same pixels out, alpha made opaque", () => {
    const img = image(224, 224, 9, false);
    const out = r.resizeRule(img, 224);
    assert.equal(out.width, 224);
    assert.equal(out.height, 224);
    assert.deepEqual(out.data, img.data);
  });

  test("a solid colour stays that colour; transparency is composited on white", () => {
    const red = r.resizeRule(solid(37, 91, [200, 10, 30, 255]), 16);
    for (let i = 0; i < 16 * 16; i++) assert.deepEqual([...red.data.subarray(i * 4, i * 4 + 4)], [200, 10, 30, 255]);
    const clear = r.resizeRule(solid(50, 50, [0, 0, 0, 0]), 8);
    assert.ok(clear.data.every((v) => v === 255), "fully transparent is white");
    const half = r.resizeRule(solid(10, 10, [0, 0, 0, 128]), 4);
    assert.deepEqual([...half.data.subarray(0, 4)], [127, 127, 127, 255]); // floor((0*128 + 255*127) / 255)
  });

  test("only the centred square is used: what lies outside it changes nothing", () => {
    const wide = image(300, 200, 4, false);
    const other = { ...wide, data: new Uint8ClampedArray(wide.data) };
    for (let y = 0; y < 200; y++) for (let x = 0; x < 50; x++) other.data.set([0, 0, 0, 255], (y * 300 + x) * 4);
    assert.deepEqual(r.resizeRule(other, 32).data, r.resizeRule(wide, 32).data);
  });

  test("matches the direct 2D reference within 1 per channel (mean well under 0.05)", () => {
    for (const [w, h, seed, alpha, size] of [[640, 480, 1, false, 64], [64, 64, 2, false, 224], [120, 208, 3, true, 50], [231, 200, 4, true, 96], [500, 450, 5, false, 48]]) {
      const img = image(w, h, seed, alpha);
      const got = r.resizeRule(img, size).data;
      const want = reference(img, size);
      let max = 0;
      let sum = 0;
      for (let p = 0; p < size * size; p++) {
        for (let c = 0; c < 3; c++) {
          const diff = Math.abs(got[p * 4 + c] - want[p * 3 + c]);
          max = Math.max(max, diff);
          sum += diff;
        }
        assert.equal(got[p * 4 + 3], 255);
      }
      assert.ok(max <= 1, `${w}x${h} -> ${size}: max diff ${max}`);
      assert.ok(sum / (size * size * 3) < 0.05, `${w}x${h} -> ${size}: mean diff ${sum / (size * size * 3)}`);
    }
  });

  test("golden outputs (recorded before the page was split into views)", () => {
    const golden = [
      [640, 480, 1, false, 224, "188ce4801a62141a0d1c863b956a1837daadd34c6694863c93a34797cc467ebf"],
      [64, 64, 2, false, 224, "c6b6364652440fe2eef4f52279f993f58bcbd00c68c38976f09a6179576e89b3"],
      [300, 520, 3, true, 224, "502f9bbd29440f517d850e41e92deda714fe753b820780da9b9ea4b7ce6e2ad1"],
      [231, 200, 4, true, 224, "2542fc1c20393bcd7ab95ff73cbae877ce0dbf37f19a33efa78bedaaaff0b203"],
      [50, 37, 5, false, 16, "9df541bd0669b97a8707df2ee2be43d35e29be893d1d439133f112536261e639"],
    ];
    for (const [w, h, seed, alpha, size, hash] of golden) {
      assert.equal(sha(r.resizeRule(image(w, h, seed, alpha), size).data), hash, `${w}x${h} alpha=${alpha} -> ${size}`);
    }
  });

  test("the model size is 224", () => {
    assert.equal(r.MODEL_SIZE, 224);
    assert.equal(r.resizeRule(image(30, 40, 1, false)).width, 224);
  });
});
