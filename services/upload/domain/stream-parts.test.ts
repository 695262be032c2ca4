import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { writeParts } from "./stream-parts.ts";

async function* chunks(sizes: number[]) {
  let value = 0;
  for (const size of sizes) {
    const chunk = Buffer.alloc(size);
    for (let i = 0; i < size; i++) chunk[i] = value++ % 251;
    yield chunk;
  }
}

describe("writeParts", () => {
  it("cuts chunks of any size into fixed-size parts, in order, keeping every byte", async () => {
    const stored = new Map<number, Buffer>();
    const { parts, totalBytes } = await writeParts(chunks([3, 10, 1, 7, 4]), {
      partSize: 8,
      concurrency: 2,
      maxBytes: 25,
      put: async (partNumber, data) => {
        await sleep(partNumber === 1 ? 20 : 1); // finish out of order
        stored.set(partNumber, Buffer.from(data));
        return { partNumber, sizeBytes: data.byteLength, etag: `e${partNumber}`, md5: createHash("md5").update(data).digest("hex") };
      },
    });
    expect(totalBytes).toBe(25);
    expect(parts.map((part) => [part.partNumber, part.sizeBytes])).toEqual([[1, 8], [2, 8], [3, 8], [4, 1]]);
    const joined = Buffer.concat([1, 2, 3, 4].map((n) => stored.get(n) ?? Buffer.alloc(0)));
    expect([...joined]).toEqual(Array.from({ length: 25 }, (_, i) => i % 251));
  });

  it("never has more than `concurrency` parts in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    await writeParts(chunks(Array.from({ length: 40 }, () => 5)), {
      partSize: 10,
      concurrency: 3,
      maxBytes: 200,
      put: async (partNumber, data) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await sleep(5);
        inFlight--;
        return { partNumber, sizeBytes: data.byteLength, etag: "", md5: "" };
      },
    });
    expect(peak).toBe(3);
  });

  it("refuses a stream longer than the declared size", async () => {
    const put = async (partNumber: number, data: Uint8Array) => ({ partNumber, sizeBytes: data.byteLength, etag: "", md5: "" });
    await expect(writeParts(chunks([8, 8, 8]), { partSize: 8, concurrency: 1, maxBytes: 20, put })).rejects.toThrow("more bytes than the declared size of 20 bytes");
  });

  it("fails when storing a part fails, after the parts in flight settle", async () => {
    let settled = 0;
    const put = async (partNumber: number, data: Uint8Array) => {
      await sleep(partNumber === 2 ? 1 : 10);
      settled++;
      if (partNumber === 2) throw new Error("storage refused");
      return { partNumber, sizeBytes: data.byteLength, etag: "", md5: "" };
    };
    await expect(writeParts(chunks([8, 8, 8, 8, 8]), { partSize: 8, concurrency: 2, maxBytes: 40, put })).rejects.toThrow("storage refused");
    expect(settled).toBeGreaterThanOrEqual(2);
  });
});
