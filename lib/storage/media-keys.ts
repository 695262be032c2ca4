/**
 * Object keys shared by the services that write the media bucket: the
 * transcoder publishes under videoPrefix, and the upload service's purge
 * removes that prefix once a deleted video's grace period is over.
 */

/** Where a video's published HLS, poster, thumbnails and storyboard live. */
export const mediaPrefix = (videoId: string) => `videos/${videoId}/`;

/**
 * An empty object written when a video is deleted, before anything is
 * removed. The transcoder checks it before a job and before announcing the
 * result, so a redelivered or late transcode of a deleted video publishes
 * nothing. Outside `videos/`, so the edge never serves it.
 */
export const tombstoneKey = (videoId: string) => `tombstones/${videoId}`;
