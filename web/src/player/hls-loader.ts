import type HlsType from "hls.js/light";
import type { HlsConfig } from "hls.js/light";
import { PLAYER_HLS_CONFIG, type EarlyHlsEntry } from "../boot/early-watch.js";

let hlsModule: Promise<typeof HlsType> | null = null;

/** Starts fetching hls.js (its own chunk) ahead of need. */
export function preloadHls(): Promise<typeof HlsType> {
  hlsModule ??= import("hls.js/light").then((m) => m.default);
  return hlsModule;
}

/** The player's hls.js settings; the early start uses the same. */
export function hlsConfig(startAt: number): Partial<HlsConfig> {
  return { ...PLAYER_HLS_CONFIG, startPosition: startAt > 0 ? startAt : -1 };
}

/** True where hls.js can play (MediaSource); false where the browser plays HLS itself or not at all. */
export function usesMediaSource(): boolean {
  return "MediaSource" in window || "ManagedMediaSource" in window;
}

type EarlyHls = EarlyHlsEntry<HlsType | null>;
let early: EarlyHls | null = null;
// Once the player has asked, nothing started later is wanted.
let playerAsked = false;

/** Takes over the instance index.html's inline script started (see boot/early-watch.ts). */
export function adoptEarlyHls(entry: EarlyHlsEntry<HlsType>): void {
  if (playerAsked || early) {
    entry.hls.destroy();
    return;
  }
  early = entry; // the same object: the inline script's error handler still marks it failed
}

/**
 * A watch page opened from a link: start hls.js on the master playlist as
 * soon as both are known, before the page has rendered its player, so the
 * playlists load while the app draws. The player takes the instance over
 * with `takeEarlyHls` and attaches its <video>. A fatal error before that
 * drops the instance, and the player starts afresh (and reports it).
 */
export async function startHlsEarly(masterUrl: string): Promise<void> {
  if (!usesMediaSource() || early || playerAsked) return;
  const entry: EarlyHls = { masterUrl, hls: null, failed: false };
  early = entry;
  const Hls = await preloadHls();
  // Taken (or given up) while hls.js was loading: the player made its own.
  if (early !== entry || !Hls.isSupported()) return;
  // startFragPrefetch: fetch the first segment too, before there is a <video> to put it in.
  const hls = new Hls({ ...hlsConfig(0), startFragPrefetch: true });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) entry.failed = true;
  });
  hls.loadSource(masterUrl);
  entry.hls = hls;
  // Never taken (the person went elsewhere first): let it go.
  setTimeout(() => {
    if (early === entry) {
      early = null;
      entry.hls?.destroy();
    }
  }, 30_000);
}

/**
 * The early instance for this source, now owned by the caller; null when
 * there is none for it (and any other is destroyed). Either way, no early
 * instance is started after this call for the one pending.
 */
export function takeEarlyHls(masterUrl: string, startAt: number): HlsType | null {
  playerAsked = true;
  const entry = early;
  early = null;
  if (!entry?.hls) return null;
  if (entry.masterUrl !== masterUrl || entry.failed || startAt > 0) {
    entry.hls.destroy();
    return null;
  }
  return entry.hls;
}
