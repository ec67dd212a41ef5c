// Runs the resize rule off the main thread (decode, crop, resize, encode), so that a large folder
// keeps the page responsive and uses every core.
import { resizeForUpload } from "./resize";

interface Job {
  id: number;
  file: Blob;
  type: "image/jpeg" | "image/png";
  quality: number;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  const { id, file, type, quality } = event.data;
  try {
    const blob = await resizeForUpload(file, type, quality);
    self.postMessage({ id, blob });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
