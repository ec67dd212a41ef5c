// THE RESIZE RULE (shared with the server and the model bundle's predict_raw):
//   take the largest centred square crop (top = floor((h - side) / 2), left = floor((w - side) / 2)),
//   then resize it to SIZE x SIZE with antialiased bilinear interpolation (align_corners = false),
//   exactly like PyTorch's _upsample_bilinear2d_aa / PIL's BILINEAR, on RGB composited on white.
// The browser implements it in plain TypeScript instead of trusting canvas smoothing, so that the
// pixels the server trains on are the pixels the page sends (up to JPEG encoding).

export const MODEL_SIZE = 224;

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray; // RGBA, row-major
}

export interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array; // count[i] entries at i * stride
  stride: number;
}

/** Per output index: first input index, number of taps and normalised triangle-filter weights. */
export function axisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1; // bilinear: interp_size/2 = 1, widened when shrinking
  const invScale = scale >= 1 ? 1 / scale : 1;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = Math.min(xmax - xmin, stride);
    let total = 0;
    for (let j = 0; j < n; j++) {
      const x = Math.abs((j + xmin - center + 0.5) * invScale);
      const w = x < 1 ? 1 - x : 0;
      weights[i * stride + j] = w;
      total += w;
    }
    if (total > 0) for (let j = 0; j < n; j++) weights[i * stride + j] /= total;
    start[i] = xmin;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/** The square crop of an image: the largest centred square. */
export function squareCrop(width: number, height: number): { left: number; top: number; side: number } {
  const side = Math.min(width, height);
  return { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), side };
}

/**
 * Applies the resize rule to RGBA pixels (any size). Transparent pixels are composited on white
 * as the server's decoder does. Returns an opaque RGBA image of size x size.
 */
export function resizeRule(src: RgbaImage, size = MODEL_SIZE): RgbaImage {
  const crop = squareCrop(src.width, src.height);
  const tmp = horizontalPass(src, crop, axisWeights(crop.side, size), size);
  return { width: size, height: size, data: verticalPass(tmp, axisWeights(crop.side, size), size) };
}

/** Horizontal pass over the crop's rows (RGB on white) -> float [side][size][3]. */
function horizontalPass(src: RgbaImage, crop: { left: number; top: number; side: number }, hw: AxisWeights, size: number): Float64Array {
  const { left, top, side } = crop;
  const sw = src.width;
  const data = src.data;
  const tmp = new Float64Array(side * size * 3);
  for (let y = 0; y < side; y++) {
    const rowBase = ((top + y) * sw + left) * 4;
    const outBase = y * size * 3;
    for (let x = 0; x < size; x++) {
      const st = hw.start[x];
      const n = hw.count[x];
      const wb = x * hw.stride;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < n; j++) {
        const p = rowBase + (st + j) * 4;
        const w = hw.weights[wb + j];
        const a = data[p + 3];
        if (a === 255) {
          r += data[p] * w;
          g += data[p + 1] * w;
          b += data[p + 2] * w;
        } else {
          const bg = 255 * (255 - a);
          r += Math.floor((data[p] * a + bg) / 255) * w;
          g += Math.floor((data[p + 1] * a + bg) / 255) * w;
          b += Math.floor((data[p + 2] * a + bg) / 255) * w;
        }
      }
      const o = outBase + x * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  return tmp;
}

/** Vertical pass of the horizontal pass's rows -> opaque RGBA [size][size], rounded. */
function verticalPass(tmp: Float64Array, vw: AxisWeights, size: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    const st = vw.start[y];
    const n = vw.count[y];
    const wb = y * vw.stride;
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < n; j++) {
        const p = ((st + j) * size + x) * 3;
        const w = vw.weights[wb + j];
        r += tmp[p] * w;
        g += tmp[p + 1] * w;
        b += tmp[p + 2] * w;
      }
      const o = (y * size + x) * 4;
      out[o] = Math.round(r); // Uint8ClampedArray clamps to 0..255
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(b);
      out[o + 3] = 255;
    }
  }
  return out;
}

type AnyCanvas = HTMLCanvasElement | OffscreenCanvas;

function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function context2d(canvas: AnyCanvas): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D {
  const ctx = canvas.getContext("2d", { willReadFrequently: true }) as
    | CanvasRenderingContext2D
    | OffscreenCanvasRenderingContext2D
    | null;
  if (!ctx) throw new Error("this browser cannot draw images (no 2D canvas)");
  return ctx;
}

/**
 * Decodes an image file (EXIF orientation applied, no colour-space conversion, as the server's
 * decoder does) and returns the pixels of its centred square crop, not resampled.
 */
export async function decodeSquare(blob: Blob): Promise<RgbaImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, {
      premultiplyAlpha: "none",
      colorSpaceConversion: "none",
      imageOrientation: "from-image",
    });
  } catch {
    throw new Error("not a readable image");
  }
  try {
    const { left, top, side } = squareCrop(bitmap.width, bitmap.height);
    if (side < 1) throw new Error("empty image");
    const canvas = makeCanvas(side, side);
    const ctx = context2d(canvas);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, left, top, side, side, 0, 0, side, side);
    const img = ctx.getImageData(0, 0, side, side);
    return { width: side, height: side, data: img.data };
  } finally {
    bitmap.close();
  }
}

/** Decodes and applies the resize rule: the exact pixels the model will see. */
export async function resizeToPixels(blob: Blob, size = MODEL_SIZE): Promise<RgbaImage> {
  return resizeRule(await decodeSquare(blob), size);
}

export async function encodeImage(
  img: RgbaImage,
  type: "image/jpeg" | "image/png" = "image/jpeg",
  quality = 0.92,
): Promise<Blob> {
  const canvas = makeCanvas(img.width, img.height);
  const ctx = context2d(canvas);
  ctx.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  if ("convertToBlob" in canvas) return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) =>
    (canvas as HTMLCanvasElement).toBlob(
      (b) => (b ? resolve(b) : reject(new Error("could not encode the image"))),
      type,
      quality,
    ),
  );
}

/** Decode, crop, resize and encode one image file for upload or prediction. */
export async function resizeForUpload(
  blob: Blob,
  type: "image/jpeg" | "image/png" = "image/jpeg",
  quality = 0.92,
): Promise<Blob> {
  return encodeImage(await resizeToPixels(blob), type, quality);
}
