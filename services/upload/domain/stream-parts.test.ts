import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { PartWriter } from "./ports.ts";
import { streamParts } from "./stream-parts.ts";
import type { StoredPart } from "./types.ts";

async function* chunks(sizes: number[]) {
  let value = 0;
  for (const size of sizes) {
    const chunk = Buffer.alloc(size);
    for (let i = 0; i < size; i++) chunk[i] = value++ % 251;
    yield chunk;
  }
}

/** An in-memory store of parts, with hooks to slow parts down or fail them. */
function memoryParts(options: { endDelayMs?: (partNumber: number) => number; failEnd?: number } = {}) {
  const stored = new Map<number, Buffer>();
  const opened: Array<[number, number]> = [];
  const aborted: number[] = [];
  let storing = 0;
  let peakStoring = 0;
  const open = (partNumber: number, sizeBytes: number): PartWriter<StoredPart> => {
    opened.push([partNumber, sizeBytes]);
    const received: Buffer[] = [];
    return {
      async write(data) {
        received.push(Buffer.from(data));
      },
      async end() {
        storing++;
        peakStoring = Math.max(peakStoring, storing);
        await sleep(options.endDelayMs?.(partNumber) ?? 1);
        storing--;
        if (partNumber === options.failEnd) throw new Error("storage refused");
        const data = Buffer.concat(received);
        if (data.byteLength !== sizeBytes) throw new Error(`part ${partNumber} got ${data.byteLength} of ${sizeBytes} bytes`);
        stored.set(partNumber, data);
        return { partNumber, sizeBytes, etag: `e${partNumber}`, md5: "" };
      },
      abort() {
        aborted.push(partNumber);
      },
    };
  };
  return { open, stored, opened, aborted, peak: () => peakStoring };
}

describe("streamParts", () => {
  it("cuts chunks of any size into parts of the declared lengths, in order, keeping every byte", async () => {
    const store = memoryParts({ endDelayMs: (n) => (n === 1 ? 20 : 1) }); // parts finish out of order
    const parts = await streamParts(chunks([3, 10, 1, 7, 4]), { partSize: 8, sizeBytes: 25, concurrency: 2, open: store.open });
    expect(store.opened).toEqual([[1, 8], [2, 8], [3, 8], [4, 1]]);
    expect(parts.map((part) => [part.partNumber, part.sizeBytes])).toEqual([[1, 8], [2, 8], [3, 8], [4, 1]]);
    const joined = Buffer.concat([1, 2, 3, 4].map((n) => store.stored.get(n) ?? Buffer.alloc(0)));
    expect([...joined]).toEqual(Array.from({ length: 25 }, (_, i) => i % 251));
  });

  it("never has more than `concurrency` sent parts waiting to be stored", async () => {
    const store = memoryParts({ endDelayMs: () => 5 });
    await streamParts(chunks(Array.from({ length: 40 }, () => 5)), { partSize: 10, sizeBytes: 200, concurrency: 3, open: store.open });
    expect(store.peak()).toBe(3);
  });

  it("waits for each write, so a slow store holds the reader back", async () => {
    let inWrite = false;
    let readWhileWriting = false;
    async function* watched() {
      for await (const chunk of chunks([4, 4, 4, 4])) {
        if (inWrite) readWhileWriting = true;
        yield chunk;
      }
    }
    const open = (partNumber: number, sizeBytes: number): PartWriter<StoredPart> => ({
      async write() {
        inWrite = true;
        await sleep(5);
        inWrite = false;
      },
      end: async () => ({ partNumber, sizeBytes, etag: "", md5: "" }),
      abort: () => undefined,
    });
    await streamParts(watched(), { partSize: 8, sizeBytes: 16, concurrency: 1, open });
    expect(readWhileWriting).toBe(false);
  });

  it("refuses a stream longer than the declared size and abandons the part being written", async () => {
    const store = memoryParts();
    await expect(streamParts(chunks([8, 6, 8]), { partSize: 8, sizeBytes: 20, concurrency: 1, open: store.open })).rejects.toThrow(
      "more bytes than the declared size of 20 bytes",
    );
    expect(store.aborted).toEqual([2]);
    expect(store.stored.has(2)).toBe(false);
  });

  it("refuses a stream shorter than the declared size and abandons the part being written", async () => {
    const store = memoryParts();
    await expect(streamParts(chunks([8, 3]), { partSize: 8, sizeBytes: 20, concurrency: 1, open: store.open })).rejects.toThrow(
      "the stream ended after 11 of 20 bytes; nothing was stored",
    );
    expect(store.aborted).toEqual([2]);
  });

  it("fails when storing a part fails, after the parts waiting settle", async () => {
    const store = memoryParts({ endDelayMs: (n) => (n === 2 ? 1 : 10), failEnd: 2 });
    await expect(streamParts(chunks([8, 8, 8, 8, 8]), { partSize: 8, sizeBytes: 40, concurrency: 2, open: store.open })).rejects.toThrow("storage refused");
    expect(store.stored.has(1)).toBe(true);
    expect(store.opened.length).toBeLessThan(5);
  });
});
