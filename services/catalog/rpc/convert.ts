import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ChannelSchema,
  PlaylistItemSchema,
  PlaylistSchema,
  VideoSchema,
  type Channel,
  type Playlist,
  type PlaylistItem,
  type Video,
} from "../../../gen/xtream/catalog/v1/resources_pb.js";
import type { ChannelRecord, PlaylistItemRecord, PlaylistRecord, VideoRecord } from "../domain/model.ts";

/** Domain channel → protobuf Channel. */
export function toChannel(channel: ChannelRecord): Channel {
  return create(ChannelSchema, {
    id: channel.id,
    ownerId: channel.ownerId,
    handle: channel.handle,
    title: channel.title,
    description: channel.description,
    createTime: timestampFromDate(channel.createTime),
  });
}

/** Domain video → protobuf Video. */
export function toVideo(video: VideoRecord): Video {
  return create(VideoSchema, {
    id: video.id,
    channelId: video.channelId,
    ownerId: video.ownerId,
    title: video.title,
    description: video.description,
    tags: video.tags,
    language: video.language,
    visibility: video.visibility,
    status: video.status,
    failureReason: video.failureReason,
    progressPercent: video.progressPercent,
    ...(video.durationMs !== null ? { duration: durationFromMs(video.durationMs) } : {}),
    renditions: video.renditions.map((rendition) => ({ ...rendition, bandwidth: BigInt(rendition.bandwidth) })),
    posterPath: video.posterPath,
    viewCount: BigInt(video.viewCount),
    createTime: timestampFromDate(video.createTime),
    updateTime: timestampFromDate(video.updateTime),
    playable: video.playable,
  });
}

/** Domain playlist → protobuf Playlist. */
export function toPlaylist(playlist: PlaylistRecord): Playlist {
  return create(PlaylistSchema, {
    id: playlist.id,
    ownerId: playlist.ownerId,
    title: playlist.title,
    description: playlist.description,
    visibility: playlist.visibility,
    itemCount: playlist.itemCount,
    createTime: timestampFromDate(playlist.createTime),
    updateTime: timestampFromDate(playlist.updateTime),
  });
}

/** Domain playlist item → protobuf PlaylistItem (video only when visible). */
export function toPlaylistItem(item: PlaylistItemRecord): PlaylistItem {
  return create(PlaylistItemSchema, {
    id: item.id,
    playlistId: item.playlistId,
    videoId: item.videoId,
    position: item.position,
    ...(item.video ? { video: toVideo(item.video) } : {}),
  });
}
