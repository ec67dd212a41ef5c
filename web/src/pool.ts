// A small pool of resize workers; falls back to the main thread where workers or OffscreenCanvas
// are missing. Both run the same resizeForUpload code.
import { resizeForUpload } from "./resize";

type Pending = { resolve: (b: Blob) => void; reject: (e: Error) => void };

export class ResizePool {
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;

  constructor(size = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2))) {
    if (typeof Worker === "undefined" || typeof OffscreenCanvas === "undefined") return;
    try {
      for (let i = 0; i < size; i++) {
        const worker = new Worker(new URL("./resize.worker.ts", import.meta.url), { type: "module" });
        worker.onmessage = (e: MessageEvent<{ id: number; blob?: Blob; error?: string }>) => {
          const p = this.pending.get(e.data.id);
          if (!p) return;
          this.pending.delete(e.data.id);
          if (e.data.blob) p.resolve(e.data.blob);
          else p.reject(new Error(e.data.error ?? "could not resize"));
        };
        worker.onerror = () => this.failAll();
        this.workers.push(worker);
      }
    } catch {
      this.terminate();
    }
  }

  get parallelism(): number {
    return Math.max(1, this.workers.length);
  }

  resize(file: Blob, type: "image/jpeg" | "image/png" = "image/jpeg", quality = 0.92): Promise<Blob> {
    if (this.workers.length === 0) return resizeForUpload(file, type, quality);
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length];
    return new Promise<Blob>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, file, type, quality });
    });
  }

  /** A worker crashed (e.g. cannot start): finish the pending jobs on the main thread. */
  private failAll(): void {
    this.terminate();
  }

  terminate(): void {
    this.workers.forEach((w) => w.terminate());
    this.workers = [];
    for (const [, p] of this.pending) p.reject(new Error("resize worker stopped"));
    this.pending.clear();
  }
}
