/** The upload RPCs the resumer drives (StartUpload, PutChunk, GetUploadStatus, FinishUpload, CancelUpload). */
export interface UploadApi {
  start(metadata: UploadMetadataInput, signal: AbortSignal): Promise<UploadSessionInfo>;
  put(uploadId: string, offset: number, data: Uint8Array, signal: AbortSignal): Promise<number>;
  status(uploadId: string, signal: AbortSignal): Promise<UploadSessionInfo>;
  finish(uploadId: string, signal: AbortSignal): Promise<{ videoId: string }>;
  cancel(uploadId: string): Promise<void>;
}

/** What StartUpload needs besides the bytes. */
export interface UploadMetadataInput {
  channelId: string;
  title: string;
  description: string;
  contentType: string;
  sizeBytes: number;
  filename: string;
}

/** The server's view of an upload session. */
export interface UploadSessionInfo {
  uploadId: string;
  videoId: string;
  committedOffset: number;
  chunkSizeBytes: number;
  /** False once the session is completed, cancelled or expired. */
  active: boolean;
}

/** The file being sent: a Blob in the browser. */
export interface UploadSource {
  name: string;
  size: number;
  type: string;
  lastModified: number;
  read(start: number, end: number): Promise<Uint8Array>;
}

/** Where an unfinished upload is remembered across reloads (localStorage in the browser). */
export interface ResumeStore {
  get(key: string): SavedUpload | null;
  set(key: string, value: SavedUpload): void;
  delete(key: string): void;
}

/** A remembered, unfinished upload. */
export interface SavedUpload {
  uploadId: string;
  videoId: string;
  title: string;
  filename: string;
  sizeBytes: number;
  committedOffset: number;
  savedAt: number;
}

/** Progress after each acknowledged chunk (and while retrying). */
export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  /** Bytes per second over the recent chunks; 0 until known. */
  bytesPerSecond: number;
  /** Seconds left at the current speed; null until known. */
  secondsLeft: number | null;
  /** Set while waiting to retry after a failure. */
  retrying: { attempt: number; inMs: number; reason: string } | null;
  /** True when this run picked up an earlier session. */
  resumed: boolean;
  videoId: string;
}

/** Options of one upload run. */
export interface UploadRunOptions {
  api: UploadApi;
  source: UploadSource;
  metadata: Omit<UploadMetadataInput, "sizeBytes" | "filename" | "contentType">;
  store: ResumeStore;
  signal: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  /** Whether a failure is worth retrying (network, unavailable). */
  isTransient: (err: unknown) => boolean;
  /** Attempts per chunk before giving up (default 8). */
  maxAttempts?: number;
  /** First retry delay; doubles up to 15 s (default 500 ms). */
  baseDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The key an unfinished upload is remembered under: the same file for the same channel. */
export function resumeKey(source: Pick<UploadSource, "name" | "size" | "lastModified">, channelId: string): string {
  return `xtream.upload:${channelId}:${source.name}:${source.size}:${source.lastModified}`;
}

/**
 * Sends a file over the resumable upload RPCs. Chunks are the session's
 * chunk_size_bytes; after a failure the resumer asks the server for the
 * acknowledged offset and continues from there, so a network cut or a page
 * reload (the session id is remembered in `store`) loses at most one chunk.
 * Resolves with the video id once FinishUpload has succeeded.
 */
export async function runUpload(options: UploadRunOptions): Promise<{ videoId: string }> {
  const { api, source, store, signal, isTransient } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.baseDelayMs ?? 500;
  const key = resumeKey(source, options.metadata.channelId);
  const speed = createSpeedMeter(now);

  /** Runs `step`, retrying transient failures with backoff; `recover` re-reads the server's state first. */
  async function withRetries<T>(step: () => Promise<T>, onRetry?: () => Promise<void>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (signal.aborted) throw abortError();
        if (!isTransient(err) || attempt >= maxAttempts) throw err;
        const inMs = Math.min(15_000, baseDelay * 2 ** (attempt - 1));
        report({ retrying: { attempt, inMs, reason: err instanceof Error ? err.message : String(err) } });
        await sleep(inMs, signal);
        if (onRetry) await onRetry().catch((recoverErr: unknown) => {
          if (!isTransient(recoverErr)) throw recoverErr;
        });
      }
    }
  }

  let session: UploadSessionInfo | null = null;
  let resumed = false;
  const saved = store.get(key);
  if (saved && saved.sizeBytes === source.size) {
    const found = await withRetries(() => api.status(saved.uploadId, signal)).catch((err: unknown) => {
      if (isTransient(err)) throw err;
      return null; // expired or unknown: start over
    });
    if (found?.active) {
      session = found;
      resumed = true;
    } else store.delete(key);
  }
  session ??= await withRetries(() =>
    api.start(
      { ...options.metadata, sizeBytes: source.size, filename: source.name, contentType: source.type || "application/octet-stream" },
      signal,
    ),
  );
  const active = session;
  let offset = active.committedOffset;

  function report(extra: Partial<UploadProgress> = {}): void {
    const bytesPerSecond = speed.rate();
    options.onProgress?.({
      sentBytes: offset,
      totalBytes: source.size,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? (source.size - offset) / bytesPerSecond : null,
      retrying: null,
      resumed,
      videoId: active.videoId,
      ...extra,
    });
  }
  function remember(): void {
    store.set(key, {
      uploadId: active.uploadId,
      videoId: active.videoId,
      title: options.metadata.title,
      filename: source.name,
      sizeBytes: source.size,
      committedOffset: offset,
      savedAt: now(),
    });
  }

  remember();
  report();
  while (offset < source.size) {
    const start = offset;
    const data = await source.read(start, Math.min(source.size, start + active.chunkSizeBytes));
    let acknowledged = start;
    const committed = await withRetries(
      // After a failure, the chunk may have landed before the connection broke: then skip it.
      async () => (acknowledged > start ? acknowledged : api.put(active.uploadId, start, data, signal)),
      async () => {
        const status = await api.status(active.uploadId, signal);
        if (!status.active) throw new Error("The upload session ended before the file was sent.");
        acknowledged = status.committedOffset;
      },
    );
    if (committed <= start) throw new Error("The server did not accept the chunk.");
    speed.add(committed - start, now());
    offset = committed;
    remember();
    report();
  }
  const result = await withRetries(() => api.finish(active.uploadId, signal));
  store.delete(key);
  return result;
}

/** Cancels an unfinished upload and forgets it. */
export async function cancelUpload(api: UploadApi, store: ResumeStore, key: string): Promise<void> {
  const saved = store.get(key);
  store.delete(key);
  if (saved) await api.cancel(saved.uploadId);
}

function createSpeedMeter(now: () => number): { add(bytes: number, at: number): void; rate(): number } {
  const started = now();
  const samples: { at: number; bytes: number }[] = [];
  return {
    add(bytes, at) {
      samples.push({ at, bytes });
      while (samples.length > 8) samples.shift();
    },
    rate() {
      if (samples.length === 0) return 0;
      const from = samples.length > 1 ? samples[0]!.at : started;
      const bytes = samples.reduce((sum, s, i) => (samples.length > 1 && i === 0 ? sum : sum + s.bytes), 0);
      const seconds = (samples[samples.length - 1]!.at - from) / 1000;
      return seconds > 0 ? bytes / seconds : 0;
    },
  };
}

function abortError(): DOMException {
  return new DOMException("The upload was cancelled.", "AbortError");
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
