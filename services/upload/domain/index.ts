/** The upload domain: sessions, chunk rules and use cases, behind ports. */
export { createUploadManager } from "./upload-manager.ts";
export type { FinishedUpload, UploadManager, UploadManagerOptions } from "./upload-manager.ts";
export { assertActive, checkMetadata, chunkSizeFor, isAllowedContentType, planChunk, MAX_PARTS, MIN_PART_BYTES } from "./chunk-rules.ts";
export type { ChunkPlan } from "./chunk-rules.ts";
export { streamParts } from "./stream-parts.ts";
export type { StreamPartsOptions } from "./stream-parts.ts";
export type { LockedSession, PartWriter, SessionRepository, SourceStore, VideoRegistry } from "./ports.ts";
export { checkQuota } from "./quota.ts";
export type { QuotaUsage, UploadQuota } from "./quota.ts";
export { defaultLimits, MiB } from "./types.ts";
export type { StoredPart, UploadKind, UploadLimits, UploadMetadata, UploadSession, UploadState, VideoFailedEvent, VideoUploadedEvent } from "./types.ts";
