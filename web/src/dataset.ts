// Reads a picked or dropped folder, zip or CSV for the preview (planning itself is in
// dataset_plan.ts) and builds the upload zip of resized images.

import { unzip, zip, type AsyncZippable } from "fflate";
import { extension, summariseCsvText, summariseZipNames, unreadableZip, type CsvSummary, type ImagePlan, type InputFile, type ZipSummary } from "./dataset_plan";
import { ResizePool } from "./pool";
import { resizeForUpload } from "./resize";

/** Files from an <input webkitdirectory> (webkitRelativePath carries the folder path). */
export function inputFilesFromList(list: FileList | File[]): InputFile[] {
  return Array.from(list).map((file) => ({
    path: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name,
    file,
  }));
}

/** Files of a dropped folder, walked through the File and Directory Entries API. */
export async function inputFilesFromEntries(entries: FileSystemEntry[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      out.push({ path, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, path);
      }
    }
  };
  for (const entry of entries) await walk(entry, "");
  return out;
}

/** Lists a dropped zip's entries (without decompressing) to preview its classes. */
export async function summariseZip(file: File): Promise<ZipSummary> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const names: string[] = [];
  try {
    await new Promise<void>((resolve, reject) =>
      unzip(
        bytes,
        {
          filter: (info) => {
            names.push(info.name);
            return false;
          },
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  } catch {
    return unreadableZip();
  }
  return summariseZipNames(names);
}

export async function summariseCsv(file: File, labelHint = ""): Promise<CsvSummary> {
  return summariseCsvText(await file.slice(0, 32 << 20).text(), labelHint);
}

export interface BuildProgress {
  done: number;
  total: number;
  failed: string[];
}

export interface BuiltZip {
  blob: Blob;
  imageCount: number;
  failed: string[];
  originalBytes: number;
}

/**
 * Resizes every image with the resize rule (JPEG, quality 0.92) and zips them as
 * <class>/<file>.jpg. Images the browser cannot decode are left out and reported.
 */
export async function buildImageZip(
  plan: ImagePlan,
  onProgress: (p: BuildProgress) => void,
  signal?: AbortSignal,
): Promise<BuiltZip> {
  const entries: AsyncZippable = {};
  const failed: string[] = [];
  let done = 0;
  let next = 0;
  const total = plan.images.length;
  const pool = new ResizePool();
  const resize = async (file: File): Promise<Blob> => {
    try {
      return await pool.resize(file);
    } catch (err) {
      // A worker that stopped is not the image's fault: retry on the main thread.
      if (err instanceof Error && err.message === "resize worker stopped") return resizeForUpload(file);
      throw err;
    }
  };
  const worker = async () => {
    while (next < total) {
      if (signal?.aborted) throw new DOMException("cancelled", "AbortError");
      const image = plan.images[next++];
      try {
        const blob = await resize(image.file);
        // JPEG is already compressed: store it (level 0) to keep zipping fast.
        entries[image.zipPath] = [new Uint8Array(await blob.arrayBuffer()), { level: 0 }];
      } catch {
        failed.push(image.zipPath.replace(/\.jpg$/, "") + "." + extension(image.file.name));
      }
      done++;
      onProgress({ done, total, failed });
    }
  };
  try {
    await Promise.all(Array.from({ length: pool.parallelism * 2 }, worker));
  } finally {
    pool.terminate();
  }
  const bytes = await new Promise<Uint8Array>((resolve, reject) =>
    zip(entries, { level: 0 }, (err, data) => (err ? reject(err) : resolve(data))),
  );
  return {
    blob: new Blob([bytes as BlobPart], { type: "application/zip" }),
    imageCount: total - failed.length,
    failed,
    originalBytes: plan.totalBytes,
  };
}
