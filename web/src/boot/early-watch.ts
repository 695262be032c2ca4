/**
 * A watch page opened straight from a link (the common way in) starts its
 * work before the app's JS has even arrived: index.html carries a tiny inline
 * script (written by vite.config.ts from `earlyWatchScript`) that imports the
 * hls.js chunk and, for anonymous visitors, starts the page's two calls as
 * plain Connect JSON fetches and hls.js on the master playlist. The app picks
 * the answers up in watch-prefetch.ts and the player the hls.js instance;
 * anything but a clean 200 is asked again through the normal clients, so errors reach the person exactly as they would otherwise.
 * Signed-in visitors skip the early calls: their token is not known yet.
 *
 * This file is imported by vite.config.ts too: no DOM or app imports here.
 */

/** localStorage key of the "was signed in" hint (see auth/session.ts). */
export const SIGNED_IN_HINT_KEY = "xtream.signed-in";

/** Where the inline script leaves what it started. */
export const EARLY_WATCH_GLOBAL = "__xtreamEarlyWatch";

/** The player's hls.js settings (JSON, so the inline script can carry them too). */
export const PLAYER_HLS_CONFIG = { capLevelToPlayerSize: true, backBufferLength: 30 } as const;

/** An hls.js instance started before the player existed, and whether it already failed. */
export interface EarlyHlsEntry<Hls = unknown> {
  masterUrl: string;
  hls: Hls;
  failed: boolean;
}

/** What the inline script started: the JSON bodies of 200 answers (or null), and hls.js on the master playlist. */
export interface EarlyWatch {
  videoId: string;
  video: Promise<unknown>;
  playback: Promise<unknown>;
  player: Promise<EarlyHlsEntry | null>;
}

/**
 * The inline script for index.html; `hlsChunk` is the hashed hls.js chunk's
 * URL. It imports hls.js at once (evaluated as soon as it arrives, not behind
 * the app's JS) and, once the playback info is in, starts it on the master
 * playlist with the player's settings, prefetching the first segment.
 */
export function earlyWatchScript(hlsChunk: string): string {
  const q = JSON.stringify;
  const config = { ...PLAYER_HLS_CONFIG, startFragPrefetch: true };
  return `(()=>{const m=/^\\/watch\\/([0-9a-f-]{36})$/i.exec(location.pathname);if(!m)return;
const hls=import(${q(hlsChunk)}).then((x)=>x.default);hls.catch(()=>{});
try{if(localStorage.getItem(${q(SIGNED_IN_HINT_KEY)})==="1")return}catch{return}
const post=(p)=>fetch(p,{method:"POST",headers:{"content-type":"application/json","connect-protocol-version":"1"},body:JSON.stringify({videoId:m[1]})}).then((r)=>r.ok?r.json():null).catch(()=>null);
const playback=post("/xtream.playback.v1.PlaybackService/GetPlaybackInfo");
const player=Promise.all([hls,playback]).then(([Hls,info])=>{if(!info||!info.masterPlaylistUrl||!Hls.isSupported())return null;
const e={masterUrl:info.masterPlaylistUrl,hls:new Hls(${q(config)}),failed:false};e.hls.on(Hls.Events.ERROR,(_,d)=>{if(d.fatal)e.failed=true});e.hls.loadSource(e.masterUrl);return e}).catch(()=>null);
window[${q(EARLY_WATCH_GLOBAL)}]={videoId:m[1],video:post("/xtream.catalog.v1.VideoService/GetVideo"),playback,player}})()`;
}
