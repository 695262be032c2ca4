import { failedPrecondition, outOfRange } from "../../../lib/errors.ts";
import type { PartWriter } from "./ports.ts";
import type { StoredPart } from "./types.ts";

export interface StreamPartsOptions {
  /** Every part but the last is exactly this long. */
  partSize: number;
  /** The declared size: the stream must carry exactly this many bytes. */
  sizeBytes: number;
  /**
   * Parts fully sent but not yet stored. While this many wait, the stream is
   * not read further; they hold no bytes here, only the store's replies.
   */
  concurrency: number;
  /** Starts a part of exactly sizeBytes. */
  open(partNumber: number, sizeBytes: number): PartWriter<StoredPart>;
}

/**
 * Cuts a stream of chunks (of any sizes) into fixed-size parts and writes
 * each chunk to its part as it arrives, so nothing is gathered here: memory
 * stays at the chunks in flight however large the stream or its parts are,
 * and a slow store holds the reader (and through gRPC flow control, the
 * sender) back. The declared size fixes every part's length up front.
 * Throws when the stream carries more or fewer bytes than declared (the part
 * being written is abandoned) or when storing a part fails.
 */
export async function streamParts(chunks: AsyncIterable<Uint8Array>, options: StreamPartsOptions): Promise<StoredPart[]> {
  const { partSize, sizeBytes } = options;
  const parts: StoredPart[] = [];
  const waiting = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let writer: PartWriter<StoredPart> | undefined;
  let left = 0;
  let nextPart = 1;
  let received = 0;

  const begin = async (): Promise<PartWriter<StoredPart>> => {
    while (waiting.size >= options.concurrency) await Promise.race(waiting);
    if (failure) throw failure.error;
    const partNumber = nextPart++;
    left = Math.min(partSize, sizeBytes - (partNumber - 1) * partSize);
    return options.open(partNumber, left);
  };

  const finish = (done: PartWriter<StoredPart>) => {
    const task: Promise<void> = done.end().then(
      (part) => {
        parts.push(part);
        waiting.delete(task);
      },
      (error: unknown) => {
        failure ??= { error };
        waiting.delete(task);
      },
    );
    waiting.add(task);
  };

  try {
    for await (const chunk of chunks) {
      if (failure) throw failure.error;
      received += chunk.byteLength;
      if (received > sizeBytes) throw outOfRange(`the stream carries more bytes than the declared size of ${sizeBytes} bytes`);
      let offset = 0;
      while (offset < chunk.byteLength) {
        writer ??= await begin();
        const take = Math.min(left, chunk.byteLength - offset);
        await writer.write(take === chunk.byteLength ? chunk : chunk.subarray(offset, offset + take));
        offset += take;
        left -= take;
        if (left === 0) {
          finish(writer);
          writer = undefined;
        }
      }
    }
    if (received !== sizeBytes) throw failedPrecondition(`the stream ended after ${received} of ${sizeBytes} bytes; nothing was stored`);
  } catch (err) {
    writer?.abort();
    throw err;
  } finally {
    await Promise.all(waiting);
  }
  if (failure) throw failure.error;
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}
