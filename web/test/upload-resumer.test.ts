import { describe, expect, it } from "vitest";
import { resumeKey, runUpload, type ResumeStore, type SavedUpload, type UploadApi, type UploadProgress, type UploadSource } from "../src/upload/upload-resumer.ts";

const CHUNK = 1024;

class NetworkError extends Error {}

/** An in-memory upload server with the real one's rules: aligned chunks, committed offsets, sessions that end. */
function fakeServer() {
  const sessions = new Map<string, { data: Uint8Array; committed: number; active: boolean; videoId: string }>();
  let next = 1;
  const calls: string[] = [];
  /** Set to make the next put fail after (true) or before (false) the server stored it. */
  const faults: { afterStore: boolean }[] = [];
  const api: UploadApi = {
    async start(metadata) {
      calls.push("start");
      const id = `u${next++}`;
      sessions.set(id, { data: new Uint8Array(metadata.sizeBytes), committed: 0, active: true, videoId: `v-${id}` });
      return { uploadId: id, videoId: `v-${id}`, committedOffset: 0, chunkSizeBytes: CHUNK, active: true };
    },
    async put(uploadId, offset, data) {
      calls.push(`put@${offset}`);
      const s = sessions.get(uploadId)!;
      const fault = faults.shift();
      if (fault && !fault.afterStore) throw new NetworkError("Failed to fetch");
      if (offset !== s.committed) throw new Error(`offset ${offset} is not the committed ${s.committed}`);
      if (data.length !== CHUNK && offset + data.length !== s.data.length) throw new Error("misaligned chunk");
      s.data.set(data, offset);
      s.committed = offset + data.length;
      if (fault) throw new NetworkError("Failed to fetch");
      return s.committed;
    },
    async status(uploadId) {
      calls.push("status");
      const s = sessions.get(uploadId);
      if (!s) throw new Error("not found");
      return { uploadId, videoId: s.videoId, committedOffset: s.committed, chunkSizeBytes: CHUNK, active: s.active };
    },
    async finish(uploadId) {
      calls.push("finish");
      const s = sessions.get(uploadId)!;
      if (s.committed !== s.data.length) throw new Error("incomplete");
      s.active = false;
      return { videoId: s.videoId };
    },
    async cancel(uploadId) {
      sessions.get(uploadId)!.active = false;
    },
  };
  return { api, sessions, calls, faults };
}

function memoryStore(): ResumeStore & { map: Map<string, SavedUpload> } {
  const map = new Map<string, SavedUpload>();
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
}

function source(size: number): UploadSource & { bytes: Uint8Array } {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7) % 251);
  return { bytes, name: "clip.mp4", size, type: "video/mp4", lastModified: 42, read: async (s, e) => bytes.slice(s, e) };
}

const metadata = { channelId: "c1", title: "Clip", description: "" };
const noSleep = async () => undefined;
const isTransient = (err: unknown) => err instanceof NetworkError;

describe("runUpload", () => {
  it("sends the file in the session's chunk size, finishes, and forgets the session", async () => {
    const { api, sessions, calls } = fakeServer();
    const store = memoryStore();
    const file = source(CHUNK * 2 + 100);
    const progress: UploadProgress[] = [];
    const result = await runUpload({ api, source: file, metadata, store, signal: new AbortController().signal, isTransient, sleep: noSleep, onProgress: (p) => progress.push(p) });
    expect(result.videoId).toBe("v-u1");
    expect(calls).toEqual(["start", "put@0", `put@${CHUNK}`, `put@${CHUNK * 2}`, "finish"]);
    expect(sessions.get("u1")!.data).toEqual(file.bytes);
    expect(progress.map((p) => p.sentBytes)).toEqual([0, CHUNK, CHUNK * 2, CHUNK * 2 + 100]);
    expect(store.map.size).toBe(0);
  });

  it("after a network cut, asks the server what it has and does not resend a chunk that landed", async () => {
    const { api, sessions, calls, faults } = fakeServer();
    const file = source(CHUNK * 3);
    faults.push({ afterStore: true }); // the first chunk lands, but the answer is lost
    const retries: UploadProgress[] = [];
    await runUpload({ api, source: file, metadata, store: memoryStore(), signal: new AbortController().signal, isTransient, sleep: noSleep, onProgress: (p) => p.retrying && retries.push(p) });
    expect(calls).toEqual(["start", "put@0", "status", `put@${CHUNK}`, `put@${CHUNK * 2}`, "finish"]);
    expect(sessions.get("u1")!.data).toEqual(file.bytes);
    expect(retries).toHaveLength(1);
  });

  it("retries a chunk the server never got", async () => {
    const { api, sessions, calls, faults } = fakeServer();
    const file = source(CHUNK * 2);
    faults.push({ afterStore: false }, { afterStore: false });
    await runUpload({ api, source: file, metadata, store: memoryStore(), signal: new AbortController().signal, isTransient, sleep: noSleep });
    expect(calls).toEqual(["start", "put@0", "status", "put@0", "status", "put@0", `put@${CHUNK}`, "finish"]);
    expect(sessions.get("u1")!.data).toEqual(file.bytes);
  });

  it("after a reload, resumes the remembered session from the acknowledged offset", async () => {
    const { api, sessions, calls, faults } = fakeServer();
    const store = memoryStore();
    const file = source(CHUNK * 3);
    // First page: the connection goes for good after one chunk (non-transient here, like a closed tab).
    faults.push({ afterStore: false });
    await expect(
      runUpload({ api, source: file, metadata, store, signal: new AbortController().signal, isTransient: () => false, sleep: noSleep }).catch((e: unknown) => {
        throw e;
      }),
    ).rejects.toThrow();
    // It failed on the first chunk; pretend one chunk got through before the reload.
    const saved = store.get(resumeKey(file, "c1"))!;
    expect(saved.uploadId).toBe("u1");
    sessions.get("u1")!.data.set(file.bytes.subarray(0, CHUNK), 0);
    sessions.get("u1")!.committed = CHUNK;
    calls.length = 0;
    // After the reload: same file, same channel.
    const progress: UploadProgress[] = [];
    const result = await runUpload({ api, source: file, metadata, store, signal: new AbortController().signal, isTransient, sleep: noSleep, onProgress: (p) => progress.push(p) });
    expect(result.videoId).toBe("v-u1");
    expect(calls).toEqual(["status", `put@${CHUNK}`, `put@${CHUNK * 2}`, "finish"]);
    expect(progress[0]).toMatchObject({ sentBytes: CHUNK, resumed: true });
    expect(sessions.get("u1")!.data).toEqual(file.bytes);
    expect(store.map.size).toBe(0);
  });

  it("starts over when the remembered session has ended", async () => {
    const { api, sessions, calls } = fakeServer();
    const store = memoryStore();
    const file = source(CHUNK);
    const first = await api.start({ ...metadata, sizeBytes: file.size, filename: file.name, contentType: file.type }, new AbortController().signal);
    sessions.get(first.uploadId)!.active = false; // expired
    store.set(resumeKey(file, "c1"), { uploadId: first.uploadId, videoId: first.videoId, title: "Clip", filename: file.name, sizeBytes: file.size, committedOffset: 0, savedAt: 0 });
    calls.length = 0;
    const result = await runUpload({ api, source: file, metadata, store, signal: new AbortController().signal, isTransient, sleep: noSleep });
    expect(calls).toEqual(["status", "start", "put@0", "finish"]);
    expect(result.videoId).toBe("v-u2");
  });

  it("gives up after the attempts run out, keeping the session for a later resume", async () => {
    const { api, faults } = fakeServer();
    const store = memoryStore();
    for (let i = 0; i < 10; i++) faults.push({ afterStore: false });
    await expect(runUpload({ api, source: source(CHUNK * 2), metadata, store, signal: new AbortController().signal, isTransient, sleep: noSleep, maxAttempts: 3 })).rejects.toThrow("Failed to fetch");
    expect(store.map.size).toBe(1);
  });

  it("stops at once when cancelled", async () => {
    const { api, faults } = fakeServer();
    const controller = new AbortController();
    faults.push({ afterStore: false });
    const sleep = async () => {
      controller.abort();
      throw new DOMException("cancelled", "AbortError");
    };
    await expect(runUpload({ api, source: source(CHUNK * 2), metadata, store: memoryStore(), signal: controller.signal, isTransient, sleep })).rejects.toMatchObject({ name: "AbortError" });
  });
});
