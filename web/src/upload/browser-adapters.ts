import { UploadState, type UploadSession } from "@gen/xtream/upload/v1/upload_service_pb.js";
import { api } from "../api/clients.js";
import type { ResumeStore, SavedUpload, UploadApi, UploadSessionInfo, UploadSource } from "./upload-resumer.js";

function toInfo(session: UploadSession | undefined): UploadSessionInfo {
  if (!session) throw new Error("The upload service sent no session.");
  return {
    uploadId: session.uploadId,
    videoId: session.videoId,
    committedOffset: Number(session.committedOffset),
    chunkSizeBytes: Number(session.chunkSizeBytes),
    active: session.state === UploadState.ACTIVE,
  };
}

/** The resumer's UploadApi over the gateway's UploadService. */
export const uploadApi: UploadApi = {
  async start(metadata, signal) {
    const { session } = await api.uploads.startUpload({ metadata: { ...metadata, sizeBytes: BigInt(metadata.sizeBytes) } }, { signal });
    return toInfo(session);
  },
  async put(uploadId, offset, data, signal) {
    const { committedOffset } = await api.uploads.putChunk({ uploadId, offset: BigInt(offset), data }, { signal, timeoutMs: 120_000 });
    return Number(committedOffset);
  },
  async status(uploadId, signal) {
    return toInfo((await api.uploads.getUploadStatus({ uploadId }, { signal })).session);
  },
  async finish(uploadId, signal) {
    return { videoId: (await api.uploads.finishUpload({ uploadId }, { signal })).videoId };
  },
  async cancel(uploadId) {
    await api.uploads.cancelUpload({ uploadId });
  },
};

/** A picked or dropped file as the resumer's source. */
export function fileSource(file: File): UploadSource {
  return {
    name: file.name,
    size: file.size,
    type: file.type,
    lastModified: file.lastModified,
    read: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()),
  };
}

/** Unfinished uploads in localStorage (ids and offsets only; never the bytes). */
export const localResumeStore: ResumeStore & { all(): [string, SavedUpload][] } = {
  get(key) {
    const raw = localStorage.getItem(key);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as SavedUpload;
    } catch {
      return null;
    }
  },
  set(key, value) {
    localStorage.setItem(key, JSON.stringify(value));
  },
  delete(key) {
    localStorage.removeItem(key);
  },
  all() {
    const found: [string, SavedUpload][] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith("xtream.upload:")) continue;
      const value = this.get(key);
      if (value) found.push([key, value]);
    }
    return found;
  },
};
