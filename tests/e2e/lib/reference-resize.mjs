// Reference implementation of THE RESIZE RULE, written independently of the page's code:
// largest centred square crop, then antialiased bilinear resize (PIL BILINEAR / PyTorch
// _upsample_bilinear2d_aa, align_corners=false) of RGB composited on white, rounded to uint8.
// Direct 2D form: out(oy,ox) = sum_y sum_x wy(oy,y) * wx(ox,x) * in(y,x).

function triangleWeights(inSize, outSize, o) {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1); // filter radius in input pixels
  const center = (o + 0.5) * scale;
  const out = [];
  let total = 0;
  for (let i = 0; i < inSize; i++) {
    const d = Math.abs(i + 0.5 - center) / Math.max(scale, 1);
    if (i + 0.5 < center - support - 1 || i + 0.5 > center + support + 1) continue;
    const w = Math.max(0, 1 - d);
    if (w > 0) {
      out.push([i, w]);
      total += w;
    }
  }
  return out.map(([i, w]) => [i, w / total]);
}

/** rgba: width*height*4 bytes. Returns Float64Array size*size*3 (unrounded) and a rounded Uint8Array. */
export function referenceResize(rgba, width, height, size = 224) {
  const side = Math.min(width, height);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const crop = new Float64Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const o = ((top + y) * width + left + x) * 4;
      const a = rgba[o + 3];
      for (let c = 0; c < 3; c++) crop[(y * side + x) * 3 + c] = Math.floor((rgba[o + c] * a + 255 * (255 - a)) / 255);
    }
  }
  const weights = Array.from({ length: size }, (_, o) => triangleWeights(side, size, o));
  const out = new Uint8Array(size * size * 3);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (const [y, wy] of weights[oy]) {
          for (const [x, wx] of weights[ox]) v += wy * wx * crop[(y * side + x) * 3 + c];
        }
        out[(oy * size + ox) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}
