import { outOfRange } from "../../../lib/errors.ts";
import type { StoredPart } from "./types.ts";

export interface WritePartsOptions {
  /** Every part but the last is exactly this long. */
  partSize: number;
  /** Parts being stored at once; memory stays below (concurrency + 1) × partSize. */
  concurrency: number;
  /** More bytes than this is refused (the declared size). */
  maxBytes: number;
  /** Stores one part. `data` is reused for a later part once the returned promise settles. */
  put(partNumber: number, data: Uint8Array): Promise<StoredPart>;
}

/**
 * Cuts a stream of chunks (of any sizes) into fixed-size parts and stores them
 * with bounded concurrency, so memory stays flat however large the stream is:
 * while `concurrency` parts are in flight, the stream is not read further (and
 * gRPC flow control holds the sender back). Chunks are copied into at most
 * concurrency + 1 part buffers, allocated once and reused, so a large upload
 * does not churn the allocator. Throws when the stream carries more than
 * maxBytes, or when storing a part fails.
 */
export async function writeParts(chunks: AsyncIterable<Uint8Array>, options: WritePartsOptions): Promise<{ parts: StoredPart[]; totalBytes: number }> {
  const bufferSize = Math.max(1, Math.min(options.partSize, options.maxBytes));
  const parts: StoredPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const free: Buffer[] = [];
  let failure: { error: unknown } | undefined;
  let current: Buffer | undefined;
  let filled = 0;
  let totalBytes = 0;
  let nextPart = 1;

  const acquire = (): Buffer => free.pop() ?? Buffer.allocUnsafe(bufferSize);

  const dispatch = async () => {
    const buffer = current;
    if (!buffer || filled === 0) return;
    const data = buffer.subarray(0, filled);
    current = undefined;
    filled = 0;
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (failure) throw failure.error;
    const partNumber = nextPart++;
    const task: Promise<void> = options.put(partNumber, data).then(
      (part) => {
        parts.push(part);
        free.push(buffer);
        inFlight.delete(task);
      },
      (error: unknown) => {
        failure ??= { error };
        inFlight.delete(task);
      },
    );
    inFlight.add(task);
  };

  try {
    for await (const chunk of chunks) {
      if (failure) throw failure.error;
      totalBytes += chunk.byteLength;
      if (totalBytes > options.maxBytes) throw outOfRange(`the stream carries more bytes than the declared size of ${options.maxBytes} bytes`);
      let offset = 0;
      while (offset < chunk.byteLength) {
        current ??= acquire();
        const take = Math.min(chunk.byteLength - offset, options.partSize - filled);
        current.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === options.partSize) await dispatch();
      }
    }
    await dispatch();
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  parts.sort((a, b) => a.partNumber - b.partNumber);
  return { parts, totalBytes };
}
