import { fromJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { GetVideoResponseSchema, type GetVideoResponse } from "@gen/xtream/catalog/v1/video_service_pb.js";
import { GetPlaybackInfoResponseSchema, type GetPlaybackInfoResponse } from "@gen/xtream/playback/v1/playback_service_pb.js";
import { api } from "../api/clients.js";
import type HlsType from "hls.js/light";
import { EARLY_WATCH_GLOBAL, type EarlyHlsEntry, type EarlyWatch } from "../boot/early-watch.js";
import { adoptEarlyHls, startHlsEarly } from "../player/hls-loader.js";

/** The two calls a watch page starts with, settled. */
export type WatchLoad = [PromiseSettledResult<GetVideoResponse>, PromiseSettledResult<GetPlaybackInfoResponse>];

const started = new Map<string, Promise<WatchLoad>>();

/**
 * Starts a watch page's two calls before the app has rendered (main.tsx calls
 * it when the first URL is /watch/<id>), so they overlap with parsing the app.
 * When index.html's inline script already sent them (see boot/early-watch.ts),
 * their answers are used; a missing or refused one is asked again here, so
 * the page sees the same errors as without the early start. Once the master
 * playlist's URL is known, hls.js starts on it (the player takes it over).
 * Calls made while the session is being restored wait for its token.
 */
export function prefetchWatch(videoId: string): void {
  const early = takeEarlyWatch(videoId);
  const video = answerOrCall(early?.video, GetVideoResponseSchema, () => api.videos.getVideo({ videoId }));
  const playback = answerOrCall(early?.playback, GetPlaybackInfoResponseSchema, () => api.playback.getPlaybackInfo({ videoId }));
  // The playlists start loading before the page renders its player: the inline
  // script's hls.js instance when it made one, otherwise one started here.
  const startHere = () => playback.then((info) => startHlsEarly(info.masterPlaylistUrl));
  const player = early ? early.player.then((entry) => (entry ? adoptEarlyHls(entry as EarlyHlsEntry<HlsType>) : startHere())) : startHere();
  player.catch(() => undefined);
  started.set(videoId, Promise.allSettled([video, playback]));
}

/** The watch page's two calls: the prefetched ones once, otherwise fresh. */
export function loadWatch(videoId: string, signal: AbortSignal): Promise<WatchLoad> {
  const prefetched = started.get(videoId);
  started.delete(videoId);
  return prefetched ?? Promise.allSettled([api.videos.getVideo({ videoId }, { signal }), api.playback.getPlaybackInfo({ videoId }, { signal })]);
}

function takeEarlyWatch(videoId: string): EarlyWatch | undefined {
  const holder = window as unknown as Record<string, EarlyWatch | undefined>;
  const early = holder[EARLY_WATCH_GLOBAL];
  delete holder[EARLY_WATCH_GLOBAL];
  return early?.videoId === videoId ? early : undefined;
}

async function answerOrCall<Desc extends DescMessage>(early: Promise<unknown> | undefined, schema: Desc, call: () => Promise<MessageShape<Desc>>): Promise<MessageShape<Desc>> {
  const json = await early;
  if (json != null) {
    try {
      return fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
    } catch {
      // Not what this build expects (a deploy in between?): ask again.
    }
  }
  return call();
}
