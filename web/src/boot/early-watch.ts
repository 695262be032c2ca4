/**
 * A watch page opened straight from a link (the common way in) starts its
 * work before the app's JS has even arrived: index.html carries a tiny inline
 * script (written by vite.config.ts from `earlyWatchScript`) that adds a
 * modulepreload for the hls.js chunk and, for anonymous visitors, starts the
 * page's two calls as plain Connect JSON fetches. The app picks the answers up
 * in watch-prefetch.ts; anything but a clean 200 is asked again through the
 * normal clients, so errors reach the person exactly as they would otherwise.
 * Signed-in visitors skip the early calls: their token is not known yet.
 *
 * This file is imported by vite.config.ts too: no DOM or app imports here.
 */

/** localStorage key of the "was signed in" hint (see auth/session.ts). */
export const SIGNED_IN_HINT_KEY = "xtream.signed-in";

/** Where the inline script leaves what it started. */
export const EARLY_WATCH_GLOBAL = "__xtreamEarlyWatch";

/** What the inline script started: the JSON bodies of 200 answers, or null. */
export interface EarlyWatch {
  videoId: string;
  video: Promise<unknown>;
  playback: Promise<unknown>;
}

/** The inline script for index.html; `hlsChunk` is the hashed hls.js chunk's URL. */
export function earlyWatchScript(hlsChunk: string): string {
  const q = JSON.stringify;
  return `(()=>{const m=/^\\/watch\\/([0-9a-f-]{36})$/i.exec(location.pathname);if(!m)return;
const l=document.createElement("link");l.rel="modulepreload";l.href=${q(hlsChunk)};document.head.append(l);
try{if(localStorage.getItem(${q(SIGNED_IN_HINT_KEY)})==="1")return}catch{return}
const post=(p)=>fetch(p,{method:"POST",headers:{"content-type":"application/json","connect-protocol-version":"1"},body:JSON.stringify({videoId:m[1]})}).then((r)=>r.ok?r.json():null).catch(()=>null);
window[${q(EARLY_WATCH_GLOBAL)}]={videoId:m[1],video:post("/xtream.catalog.v1.VideoService/GetVideo"),playback:post("/xtream.playback.v1.PlaybackService/GetPlaybackInfo")}})()`;
}
