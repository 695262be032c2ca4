import { describe, expect, it } from "vitest";
import { AppError } from "../../../lib/errors.ts";
import { checkMetadata, chunkSizeFor, isAllowedContentType, MAX_PARTS, MIN_PART_BYTES, planChunk } from "./chunk-rules.ts";
import { defaultLimits, MiB, type StoredPart, type UploadSession } from "./types.ts";

const session = (overrides: Partial<UploadSession> = {}): UploadSession => ({
  id: "s",
  kind: "resumable",
  videoId: "v",
  ownerId: "o",
  channelId: "c",
  contentType: "video/mp4",
  filename: "",
  sizeBytes: 20 * MiB + 5,
  chunkSizeBytes: 8 * MiB,
  committedOffset: 0,
  state: "active",
  endReason: "",
  sourceBucket: "b",
  sourceKey: "sources/v",
  multipartId: "m",
  createdAt: new Date(0),
  expireAt: new Date(1e13),
  completedAt: undefined,
  traceContext: {},
  ...overrides,
});

const kindOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? `${err.kind}: ${err.message}` : String(err);
  }
  return "ok";
};

describe("resumable chunk rules", () => {
  it("stores the chunk at the committed offset as the next part", () => {
    expect(planChunk(session(), 0, 8 * MiB, "x", undefined)).toEqual({ kind: "store", partNumber: 1, committedOffset: 8 * MiB });
    expect(planChunk(session({ committedOffset: 16 * MiB }), 16 * MiB, 4 * MiB + 5, "x", undefined)).toEqual({ kind: "store", partNumber: 3, committedOffset: 20 * MiB + 5 });
  });

  it("acknowledges a retried chunk with the same bytes, without storing it again", () => {
    const stored: StoredPart = { partNumber: 1, sizeBytes: 8 * MiB, etag: "e", md5: "same" };
    expect(planChunk(session({ committedOffset: 8 * MiB }), 0, 8 * MiB, "same", stored)).toEqual({ kind: "acknowledge", committedOffset: 8 * MiB });
  });

  it("refuses a retried offset with different bytes, naming the expected offset", () => {
    const stored: StoredPart = { partNumber: 1, sizeBytes: 8 * MiB, etag: "e", md5: "same" };
    expect(kindOf(() => planChunk(session({ committedOffset: 8 * MiB }), 0, 8 * MiB, "other", stored))).toBe(
      `failed_precondition: the chunk at offset 0 differs from the one already stored; expected offset ${8 * MiB}`,
    );
  });

  it("refuses any other offset with FAILED_PRECONDITION naming the expected offset", () => {
    expect(kindOf(() => planChunk(session({ committedOffset: 8 * MiB }), 16 * MiB, 8 * MiB, "x", undefined))).toBe(
      `failed_precondition: wrong offset ${16 * MiB}: expected offset ${8 * MiB}`,
    );
    expect(kindOf(() => planChunk(session({ committedOffset: 8 * MiB }), 100, 8 * MiB, "x", undefined))).toBe(`failed_precondition: wrong offset 100: expected offset ${8 * MiB}`);
  });

  it("refuses a short chunk that is not the last, and a chunk past the declared size", () => {
    expect(kindOf(() => planChunk(session(), 0, MiB, "x", undefined))).toMatch(/^invalid_argument: chunk is 1048576 bytes/);
    expect(kindOf(() => planChunk(session({ committedOffset: 16 * MiB }), 16 * MiB, 8 * MiB, "x", undefined))).toMatch(/^out_of_range: chunk ends at byte/);
    expect(kindOf(() => planChunk(session({ committedOffset: 20 * MiB + 5 }), 20 * MiB + 5, 1, "x", undefined))).toMatch(/^out_of_range: all .* bytes were already received/);
  });
});

describe("limits", () => {
  it("accepts video/* and application/octet-stream, nothing else", () => {
    const allowed = defaultLimits.allowedContentTypes;
    expect(isAllowedContentType("video/mp4", allowed)).toBe(true);
    expect(isAllowedContentType("Video/QuickTime; codecs=x", allowed)).toBe(true);
    expect(isAllowedContentType("application/octet-stream", allowed)).toBe(true);
    expect(isAllowedContentType("text/plain", allowed)).toBe(false);
    expect(isAllowedContentType("video/", allowed)).toBe(false);
    expect(isAllowedContentType("videos/mp4", allowed)).toBe(false);
  });

  it("refuses a file over the size limit with OUT_OF_RANGE and a bad type with INVALID_ARGUMENT", () => {
    const meta = { channelId: "c", title: "t", description: "", filename: "", contentType: "video/mp4", sizeBytes: 11 };
    expect(kindOf(() => checkMetadata(meta, { ...defaultLimits, maxSizeBytes: 10 }))).toBe("out_of_range: size_bytes 11 is over the limit of 10 bytes");
    expect(kindOf(() => checkMetadata({ ...meta, contentType: "text/plain" }, defaultLimits))).toMatch(/^invalid_argument: content_type "text\/plain" is not accepted/);
    expect(kindOf(() => checkMetadata(meta, defaultLimits))).toBe("ok");
  });

  it("grows the chunk size so any file fits in the storage's part limit", () => {
    expect(chunkSizeFor(MiB, 8 * MiB)).toBe(8 * MiB);
    expect(chunkSizeFor(MiB, MiB)).toBe(MIN_PART_BYTES);
    const huge = 200 * 1024 * MiB;
    expect(Math.ceil(huge / chunkSizeFor(huge, 8 * MiB))).toBeLessThanOrEqual(MAX_PARTS);
  });
});
