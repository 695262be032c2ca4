import { outOfRange } from "../../../lib/errors.ts";
import type { StoredPart } from "./types.ts";

export interface WritePartsOptions {
  /** Every part but the last is exactly this long. */
  partSize: number;
  /** Parts being stored at once; memory stays below (concurrency + 1) × partSize. */
  concurrency: number;
  /** More bytes than this is refused (the declared size). */
  maxBytes: number;
  /** Stores one part. */
  put(partNumber: number, data: Uint8Array): Promise<StoredPart>;
}

/**
 * Cuts a stream of chunks (of any sizes) into fixed-size parts and stores them
 * with bounded concurrency, so memory stays flat however large the stream is:
 * while `concurrency` parts are in flight, the stream is not read further (and
 * gRPC flow control holds the sender back). Throws when the stream carries
 * more than maxBytes, or when storing a part fails.
 */
export async function writeParts(chunks: AsyncIterable<Uint8Array>, options: WritePartsOptions): Promise<{ parts: StoredPart[]; totalBytes: number }> {
  const parts: StoredPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let totalBytes = 0;
  let nextPart = 1;

  const dispatch = async (data: Uint8Array) => {
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (failure) throw failure.error;
    const partNumber = nextPart++;
    const task: Promise<void> = options.put(partNumber, data).then(
      (part) => {
        parts.push(part);
        inFlight.delete(task);
      },
      (error: unknown) => {
        failure ??= { error };
        inFlight.delete(task);
      },
    );
    inFlight.add(task);
  };

  const takePart = (size: number): Uint8Array => {
    const joined = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending);
    const part = joined.subarray(0, size);
    const rest = joined.subarray(size);
    // Copy the remainder so the part's buffer is not kept alive by it.
    pending = rest.byteLength > 0 ? [Buffer.from(rest)] : [];
    pendingBytes = rest.byteLength;
    return part;
  };

  try {
    for await (const chunk of chunks) {
      if (failure) throw failure.error;
      totalBytes += chunk.byteLength;
      if (totalBytes > options.maxBytes) throw outOfRange(`the stream carries more bytes than the declared size of ${options.maxBytes} bytes`);
      if (chunk.byteLength === 0) continue;
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      while (pendingBytes >= options.partSize) await dispatch(takePart(options.partSize));
    }
    if (pendingBytes > 0) await dispatch(takePart(pendingBytes));
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  parts.sort((a, b) => a.partNumber - b.partNumber);
  return { parts, totalBytes };
}
