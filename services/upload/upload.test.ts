import { createHash, randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoFailedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { UploadState } from "../../gen/xtream/upload/v1/upload_service_pb.js";
import { stackEnv } from "../../lib/testing/index.ts";
import { startUploadHarness, type UploadHarness } from "./testing.ts";

const MiB = 1024 * 1024;
const env = stackEnv();
let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness({ maxSizeBytes: 64 * MiB });
});
afterAll(() => h.close());

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function storedObject(key: string): Promise<Buffer | undefined> {
  try {
    const stream = await h.upload.minio.getObject(env.minioSourceBucket, key);
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    return Buffer.concat(parts);
  } catch (err) {
    if ((err as { code?: string }).code === "NoSuchKey") return undefined;
    throw err;
  }
}

async function pendingMultipart(key: string) {
  return h.upload.minio.findUploadId(env.minioSourceBucket, key);
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    const error = ConnectError.from(err);
    return { code: Code[error.code], message: error.rawMessage };
  }
  return { code: "OK", message: "" };
}

async function waitFor<T>(read: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(50);
  }
}

const metadata = (channelId: string, sizeBytes: number, overrides: Record<string, unknown> = {}) => ({
  channelId,
  title: "A test video",
  contentType: "video/mp4",
  sizeBytes: BigInt(sizeBytes),
  filename: "clip.mp4",
  ...overrides,
});

/** Metadata, then the bytes in 1 MiB messages; `stopAfter` cuts the stream short. */
async function* streamOf(meta: ReturnType<typeof metadata>, data: Buffer, stopAfter = data.byteLength) {
  yield { part: { case: "metadata" as const, value: meta } };
  for (let offset = 0; offset < stopAfter; offset += MiB) {
    yield { part: { case: "chunk" as const, value: data.subarray(offset, Math.min(offset + MiB, stopAfter)) } };
  }
}

async function sessionRow(videoId: string) {
  const { rows } = await h.upload.pool.query<{ state: string; committed_offset: number; parts: number }>(
    "SELECT state, committed_offset, (SELECT count(*)::int FROM upload.upload_parts p WHERE p.session_id = s.id) AS parts FROM upload.upload_sessions s WHERE video_id = $1",
    [videoId],
  );
  return rows[0];
}

/** video.uploaded rows queued for a video. */
async function outboxRows(videoId: string) {
  const { rows } = await h.upload.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM upload.outbox WHERE key = $1 AND topic = 'video.uploaded'", [videoId]);
  return rows[0]?.n ?? 0;
}

/** The reasons of the video.failed events queued for a video. */
async function failedReasons(videoId: string) {
  const { rows } = await h.upload.pool.query<{ payload: Buffer }>("SELECT payload FROM upload.outbox WHERE key = $1 AND topic = 'video.failed' ORDER BY id", [videoId]);
  return rows.map((row) => fromBinary(VideoFailedSchema, row.payload)).map((event) => (event.videoId === videoId ? event.reason : `wrong video ${event.videoId}`));
}

describe("client-streaming Upload", () => {
  it("stores the file in MinIO, completes the session, and publishes video.uploaded once", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const data = randomBytes(12 * MiB + 123);
    const client = await h.client(user);
    const response = await client.upload(streamOf(metadata(channelId, data.byteLength), data));
    expect(response.sizeBytes).toBe(BigInt(data.byteLength));
    const videoId = response.videoId;

    const stored = await storedObject(`sources/${videoId}`);
    expect(stored && sha256(stored)).toBe(sha256(data));
    const stat = await h.upload.minio.statObject(env.minioSourceBucket, `sources/${videoId}`);
    expect(stat.metaData["content-type"]).toBe("video/mp4");
    expect(await sessionRow(videoId)).toEqual({ state: "completed", committed_offset: data.byteLength, parts: 3 });
    expect(await outboxRows(videoId)).toBe(1);

    const [record] = await waitFor(() => h.uploaded.get(videoId));
    expect(record?.key).toBe(videoId);
    expect(record?.event).toMatchObject({
      videoId,
      ownerId: user,
      channelId,
      sourceBucket: env.minioSourceBucket,
      sourceKey: `sources/${videoId}`,
      sizeBytes: BigInt(data.byteLength),
      contentType: "video/mp4",
      filename: "clip.mp4",
    });
    expect(record?.event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    const video = await h.catalogPool.query<{ owner_id: string }>("SELECT owner_id FROM catalog.videos WHERE id = $1", [videoId]);
    expect(video.rows[0]?.owner_id).toBe(user);
  });

  it("a stream cut off before size_bytes leaves no object, no pending multipart upload and no event", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const data = randomBytes(11 * MiB);
    const client = await h.client(user);
    const failure = await codeOf(client.upload(streamOf(metadata(channelId, data.byteLength), data, 6 * MiB)));
    expect(failure).toEqual({ code: "FailedPrecondition", message: `the stream ended after ${6 * MiB} of ${11 * MiB} bytes; nothing was stored` });
    const { rows } = await h.upload.pool.query<{ video_id: string; state: string }>(
      "SELECT video_id, state FROM upload.upload_sessions WHERE owner_id = $1",
      [user],
    );
    expect(rows).toHaveLength(1);
    const videoId = rows[0]?.video_id ?? "";
    expect(rows[0]?.state).toBe("cancelled");
    expect(await storedObject(`sources/${videoId}`)).toBeUndefined();
    expect(await pendingMultipart(`sources/${videoId}`)).toBeUndefined();
    expect(await outboxRows(videoId)).toBe(0);
    // The catalog hears why, so the video does not stay UPLOADING forever.
    expect(await failedReasons(videoId)).toEqual([`the upload did not complete: the stream ended after ${6 * MiB} of ${11 * MiB} bytes; nothing was stored`]);
  });

  it("a client that cancels mid-stream leaves nothing behind", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const data = randomBytes(11 * MiB);
    const client = await h.client(user);
    const abort = new AbortController();
    async function* cancelling() {
      let sent = 0;
      for await (const message of streamOf(metadata(channelId, data.byteLength), data)) {
        yield message;
        if (++sent === 8) {
          await sleep(200);
          abort.abort();
          await sleep(5000);
        }
      }
    }
    const failure = await codeOf(client.upload(cancelling(), { signal: abort.signal }));
    expect(failure.code).toBe("Canceled");
    const end = Date.now() + 10_000;
    let state = "";
    let id = "";
    while (Date.now() < end) {
      const { rows } = await h.upload.pool.query<{ video_id: string; state: string }>("SELECT video_id, state FROM upload.upload_sessions WHERE owner_id = $1", [user]);
      state = rows[0]?.state ?? "";
      id = rows[0]?.video_id ?? "";
      if (state && state !== "active") break;
      await sleep(100);
    }
    expect(state).toBe("cancelled");
    expect(await storedObject(`sources/${id}`)).toBeUndefined();
    expect(await pendingMultipart(`sources/${id}`)).toBeUndefined();
    expect(await outboxRows(id)).toBe(0);
    // Depending on whether grpc-js reports the cancellation or the end of the stream first.
    const reasons = await failedReasons(id);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^the upload (was interrupted before it completed|did not complete: the stream ended after \d+ of \d+ bytes)/);
  });

  it("refuses more bytes than size_bytes with OUT_OF_RANGE and stores nothing", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const data = randomBytes(6 * MiB);
    const client = await h.client(user);
    const failure = await codeOf(client.upload(streamOf(metadata(channelId, 3 * MiB), data)));
    expect(failure).toEqual({ code: "OutOfRange", message: `the stream carries more bytes than the declared size of ${3 * MiB} bytes` });
    const { rows } = await h.upload.pool.query<{ video_id: string; state: string }>("SELECT video_id, state FROM upload.upload_sessions WHERE owner_id = $1", [user]);
    expect(rows[0]?.state).toBe("cancelled");
    expect(await storedObject(`sources/${rows[0]?.video_id ?? ""}`)).toBeUndefined();
    expect(await pendingMultipart(`sources/${rows[0]?.video_id ?? ""}`)).toBeUndefined();
  });

  it("refuses a file over the size limit, a bad content type and a stream without metadata, before creating anything", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    expect(await codeOf(client.upload(streamOf(metadata(channelId, 65 * MiB), Buffer.alloc(0))))).toEqual({
      code: "OutOfRange",
      message: `size_bytes ${65 * MiB} is over the limit of ${64 * MiB} bytes`,
    });
    expect((await codeOf(client.startUpload({ metadata: metadata(channelId, 10, { contentType: "text/plain" }) }))).code).toBe("InvalidArgument");
    async function* noMetadata() {
      yield { part: { case: "chunk" as const, value: Buffer.from("hello") } };
    }
    expect(await codeOf(client.upload(noMetadata()))).toEqual({ code: "InvalidArgument", message: "part: the first message must carry metadata" });
    const { rows } = await h.upload.pool.query("SELECT 1 FROM upload.upload_sessions WHERE owner_id = $1", [user]);
    expect(rows).toHaveLength(0);
  });
});

describe("resumable sessions", () => {
  it("resume after an interruption, with a retried chunk acknowledged and a wrong offset refused", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const data = randomBytes(11 * MiB + 7);
    const client = await h.client(user);
    const { session } = await client.startUpload({ metadata: metadata(channelId, data.byteLength) });
    expect(session).toMatchObject({ state: UploadState.ACTIVE, committedOffset: 0n, chunkSizeBytes: BigInt(5 * MiB), sizeBytes: BigInt(data.byteLength) });
    const uploadId = session?.uploadId ?? "";
    const chunk = (offset: number) => data.subarray(offset, Math.min(offset + 5 * MiB, data.byteLength));

    expect((await client.putChunk({ uploadId, offset: 0n, data: chunk(0) })).committedOffset).toBe(BigInt(5 * MiB));
    // The connection broke here; the client asks where to resume.
    const status = await client.getUploadStatus({ uploadId });
    expect(status.session?.committedOffset).toBe(BigInt(5 * MiB));
    // A retried chunk whose answer was lost is acknowledged, not stored twice.
    expect((await client.putChunk({ uploadId, offset: 0n, data: chunk(0) })).committedOffset).toBe(BigInt(5 * MiB));
    // Different bytes at a stored offset, and a skipped offset, are refused naming the expected offset.
    expect(await codeOf(client.putChunk({ uploadId, offset: 0n, data: randomBytes(5 * MiB) }))).toEqual({
      code: "FailedPrecondition",
      message: `the chunk at offset 0 differs from the one already stored; expected offset ${5 * MiB}`,
    });
    expect(await codeOf(client.putChunk({ uploadId, offset: BigInt(10 * MiB), data: chunk(10 * MiB) }))).toEqual({
      code: "FailedPrecondition",
      message: `wrong offset ${10 * MiB}: expected offset ${5 * MiB}`,
    });
    // Finishing early says how far it got.
    expect((await codeOf(client.finishUpload({ uploadId }))).code).toBe("FailedPrecondition");

    await client.putChunk({ uploadId, offset: BigInt(5 * MiB), data: chunk(5 * MiB) });
    expect((await client.putChunk({ uploadId, offset: BigInt(10 * MiB), data: chunk(10 * MiB) })).committedOffset).toBe(BigInt(data.byteLength));
    const videoId = session?.videoId ?? "";
    expect(await sessionRow(videoId)).toEqual({ state: "active", committed_offset: data.byteLength, parts: 3 });

    const finished = await client.finishUpload({ uploadId });
    expect(finished).toMatchObject({ videoId, sizeBytes: BigInt(data.byteLength) });
    // Finishing twice gives the same answer and no second event.
    expect(await client.finishUpload({ uploadId })).toMatchObject({ videoId, sizeBytes: BigInt(data.byteLength) });
    const stored = await storedObject(`sources/${videoId}`);
    expect(stored && sha256(stored)).toBe(sha256(data));
    expect((await client.getUploadStatus({ uploadId })).session?.state).toBe(UploadState.COMPLETED);
    await waitFor(() => h.uploaded.get(videoId));
    await sleep(500);
    expect(h.uploaded.get(videoId)).toHaveLength(1);
    expect(await outboxRows(videoId)).toBe(1);
    expect((await codeOf(client.cancelUpload({ uploadId }))).code).toBe("FailedPrecondition");
  });

  it("a session survives a restart of the upload service", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const data = randomBytes(6 * MiB);
    const { session } = await (await h.client(user)).startUpload({ metadata: metadata(channelId, data.byteLength) });
    const uploadId = session?.uploadId ?? "";
    await (await h.client(user)).putChunk({ uploadId, offset: 0n, data: data.subarray(0, 5 * MiB) });
    await h.restartUpload();
    const client = await h.client(user);
    expect((await client.getUploadStatus({ uploadId })).session?.committedOffset).toBe(BigInt(5 * MiB));
    await client.putChunk({ uploadId, offset: BigInt(5 * MiB), data: data.subarray(5 * MiB) });
    const finished = await client.finishUpload({ uploadId });
    const stored = await storedObject(`sources/${finished.videoId}`);
    expect(stored && sha256(stored)).toBe(sha256(data));
    await waitFor(() => h.uploaded.get(finished.videoId));
  });

  it("the same chunk sent twice at once is stored once; both calls are acknowledged", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const { session } = await client.startUpload({ metadata: metadata(channelId, 7 * MiB) });
    const uploadId = session?.uploadId ?? "";
    const chunk = randomBytes(5 * MiB);
    const results = await Promise.all([client.putChunk({ uploadId, offset: 0n, data: chunk }), client.putChunk({ uploadId, offset: 0n, data: chunk })]);
    expect(results.map((result) => result.committedOffset)).toEqual([BigInt(5 * MiB), BigInt(5 * MiB)]);
    expect(await sessionRow(session?.videoId ?? "")).toEqual({ state: "active", committed_offset: 5 * MiB, parts: 1 });
  });

  it("cancel aborts the multipart upload; the session then refuses chunks", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const { session } = await client.startUpload({ metadata: metadata(channelId, 6 * MiB) });
    const uploadId = session?.uploadId ?? "";
    await client.putChunk({ uploadId, offset: 0n, data: randomBytes(5 * MiB) });
    const key = `sources/${session?.videoId ?? ""}`;
    expect(await pendingMultipart(key)).toBeDefined();
    await client.cancelUpload({ uploadId });
    await client.cancelUpload({ uploadId }); // idempotent
    expect(await pendingMultipart(key)).toBeUndefined();
    expect(await failedReasons(session?.videoId ?? "")).toEqual(["the upload was cancelled by the uploader"]);
    expect(await codeOf(client.putChunk({ uploadId, offset: BigInt(5 * MiB), data: randomBytes(MiB) }))).toEqual({
      code: "FailedPrecondition",
      message: "the upload session is cancelled",
    });
    expect((await client.getUploadStatus({ uploadId })).session?.state).toBe(UploadState.CANCELLED);
  });

  it("discarding a session whose object was completed by a finish that never committed removes the object", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const { session } = await client.startUpload({ metadata: metadata(channelId, MiB) });
    const uploadId = session?.uploadId ?? "";
    const key = `sources/${session?.videoId ?? ""}`;
    await client.putChunk({ uploadId, offset: 0n, data: randomBytes(MiB) });
    // A FinishUpload that completed the object, then lost its transaction.
    const { rows } = await h.upload.pool.query<{ multipart_id: string; etag: string }>(
      "SELECT s.multipart_id, p.etag FROM upload.upload_sessions s JOIN upload.upload_parts p ON p.session_id = s.id WHERE s.id = $1",
      [uploadId],
    );
    await h.upload.minio.completeMultipartUpload(env.minioSourceBucket, key, rows[0]?.multipart_id ?? "", [{ part: 1, etag: rows[0]?.etag ?? "" }]);
    expect(await storedObject(key)).toBeDefined();
    await client.cancelUpload({ uploadId });
    expect(await storedObject(key)).toBeUndefined();
  });

  it("expired sessions are aborted by the expiry job", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const { session } = await client.startUpload({ metadata: metadata(channelId, 6 * MiB) });
    const uploadId = session?.uploadId ?? "";
    await client.putChunk({ uploadId, offset: 0n, data: randomBytes(5 * MiB) });
    await h.upload.pool.query("UPDATE upload.upload_sessions SET expire_at = now() - interval '1 second' WHERE id = $1", [uploadId]);
    expect((await client.getUploadStatus({ uploadId })).session?.state).toBe(UploadState.EXPIRED);
    expect((await codeOf(client.putChunk({ uploadId, offset: BigInt(5 * MiB), data: randomBytes(MiB) }))).code).toBe("FailedPrecondition");
    expect(await h.upload.expiry.runOnce()).toBeGreaterThanOrEqual(1);
    expect(await pendingMultipart(`sources/${session?.videoId ?? ""}`)).toBeUndefined();
    expect((await sessionRow(session?.videoId ?? ""))?.state).toBe("expired");
    expect(await failedReasons(session?.videoId ?? "")).toEqual(["the upload expired before it was finished"]);
  });

  it("only the uploader may use a session; others get PERMISSION_DENIED, strangers' channels are refused", async () => {
    const owner = randomUUID();
    const other = randomUUID();
    const channelId = await h.channelOf(owner);
    const { session } = await (await h.client(owner)).startUpload({ metadata: metadata(channelId, 6 * MiB) });
    const uploadId = session?.uploadId ?? "";
    const intruder = await h.client(other);
    for (const call of [
      () => intruder.putChunk({ uploadId, offset: 0n, data: Buffer.from("x") }),
      () => intruder.getUploadStatus({ uploadId }),
      () => intruder.finishUpload({ uploadId }),
      () => intruder.cancelUpload({ uploadId }),
    ]) {
      expect((await codeOf(call())).code).toBe("PermissionDenied");
    }
    // The owner's session is untouched.
    expect((await (await h.client(owner)).getUploadStatus({ uploadId })).session?.state).toBe(UploadState.ACTIVE);
    expect((await codeOf(intruder.startUpload({ metadata: metadata(channelId, 10) }))).code).toBe("PermissionDenied");
    expect((await codeOf(intruder.getUploadStatus({ uploadId: randomUUID() }))).code).toBe("NotFound");
    expect((await codeOf((await h.client()).getUploadStatus({ uploadId }))).code).toBe("Unauthenticated");
  });

  it("rejects invalid input with INVALID_ARGUMENT naming the field", async () => {
    const client = await h.client(randomUUID());
    const bad = await codeOf(client.putChunk({ uploadId: "not-a-uuid", offset: 0n, data: Buffer.from("x") }));
    expect(bad.code).toBe("InvalidArgument");
    expect(bad.message).toContain("upload_id");
    const negative = await codeOf(client.putChunk({ uploadId: randomUUID(), offset: -1n, data: Buffer.from("x") }));
    expect(negative.message).toContain("offset");
    const noMeta = await codeOf(client.startUpload({}));
    expect(noMeta).toMatchObject({ code: "InvalidArgument" });
    expect(noMeta.message).toContain("metadata");
    const zero = await codeOf(client.startUpload({ metadata: metadata(randomUUID(), 0) }));
    expect(zero.message).toContain("size_bytes");
  });
});
