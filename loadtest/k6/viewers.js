// viewers: virtual viewers that behave like HLS players. Each picks a video
// with a popularity skew (a few hot, many cold), asks the gateway for playback
// info (Connect JSON POST), fetches the master playlist and one media playlist
// from the edge, then the segments at playback pace: two ahead at the start,
// then one per segment duration. Bitrate: each viewer has a bandwidth; it takes
// the highest rung under 80% of it and steps down when a segment arrives too
// slowly. Run by loadtest/viewers.ts (and loadtest/uploads.ts).
import http from "k6/http";
import { check, sleep } from "k6";
import { Trend } from "k6/metrics";
import { kindMetrics, record, summaryTrendStats, writeSummary } from "./common.js";

const GATEWAY = __ENV.GATEWAY_URL;
const VIDEOS = JSON.parse(__ENV.VIDEO_IDS);
// Set by the uploads scenario: segments before and after this instant are reported apart.
const UPLOADS_START_MS = Number(__ENV.UPLOADS_START_MS || 0);
// LATENCY_SCALE multiplies every latency threshold (a slower machine, or a test proving they bite).
const ms = (limit) => limit * Number(__ENV.LATENCY_SCALE || 1);
const SEGMENT_P99_MS = ms(Number(__ENV.SEGMENT_P99_MS || 500));

const metrics = kindMetrics(["playback_info", "master", "media_playlist", "segment"]);
const beforeUploads = new Trend("segment_before_uploads", true);
const duringUploads = new Trend("segment_during_uploads", true);

// Zipf-like popularity: video i (0-based) is watched in proportion to 1 / (i + 1)^1.2.
const WEIGHTS = VIDEOS.map((_, i) => 1 / Math.pow(i + 1, 1.2));
const TOTAL = WEIGHTS.reduce((a, b) => a + b, 0);

const thresholds = {
  checks: ["rate>0.99"],
  req_playback_info: [`p(99)<${ms(1000)}`],
  req_master: [`p(99)<${ms(500)}`],
  req_media_playlist: [`p(99)<${ms(500)}`],
  req_segment: [`p(99)<${SEGMENT_P99_MS}`],
};
if (UPLOADS_START_MS) thresholds.segment_during_uploads = [`p(99)<${SEGMENT_P99_MS}`];

export const options = {
  scenarios: {
    viewers: { executor: "constant-vus", vus: Number(__ENV.VUS || 40), duration: __ENV.DURATION || "30s", gracefulStop: "3s" },
  },
  thresholds,
  summaryTrendStats,
};

function pickVideo() {
  let x = Math.random() * TOTAL;
  for (let i = 0; i < VIDEOS.length; i++) {
    x -= WEIGHTS[i];
    if (x <= 0) return VIDEOS[i];
  }
  return VIDEOS[VIDEOS.length - 1];
}

function resolve(base, uri) {
  if (/^https?:\/\//.test(uri)) return uri;
  return base.slice(0, base.lastIndexOf("/") + 1) + uri;
}

/** Variants of a master playlist: [{ bandwidth, uri }], lowest first. */
function variants(master, url) {
  const lines = master.split("\n").map((l) => l.trim());
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^#EXT-X-STREAM-INF:.*BANDWIDTH=(\d+)/.exec(lines[i]);
    if (m && lines[i + 1]) out.push({ bandwidth: Number(m[1]), uri: resolve(url, lines[i + 1]) });
  }
  return out.sort((a, b) => a.bandwidth - b.bandwidth);
}

/** Segments of a media playlist: [{ seconds, uri }]. */
function segments(playlist, url) {
  const lines = playlist.split("\n").map((l) => l.trim());
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^#EXTINF:([\d.]+)/.exec(lines[i]);
    if (m && lines[i + 1] && !lines[i + 1].startsWith("#")) out.push({ seconds: Number(m[1]), uri: resolve(url, lines[i + 1]) });
  }
  return out;
}

// Each viewer's line speed, 0.4 to 4 Mbit/s, fixed for the VU's life.
let bandwidth = 0;

export default function () {
  if (!bandwidth) bandwidth = 400_000 + Math.random() * 3_600_000;
  const videoId = pickVideo();
  const info = http.post(`${GATEWAY}/xtream.playback.v1.PlaybackService/GetPlaybackInfo`, JSON.stringify({ videoId }), {
    headers: { "content-type": "application/json" },
    tags: { name: "GetPlaybackInfo" },
  });
  if (!check(info, { "playback info": (r) => record(metrics, "playback_info", r) && !!r.json("masterPlaylistUrl") })) return sleep(1);
  const masterUrl = info.json("masterPlaylistUrl");

  const master = http.get(masterUrl, { tags: { name: "master.m3u8" } });
  if (!check(master, { "master playlist": (r) => record(metrics, "master", r) && r.body.startsWith("#EXTM3U") })) return sleep(1);
  const ladder = variants(master.body, masterUrl);
  if (!check(ladder, { "master lists rungs": (l) => l.length > 0 })) return sleep(1);
  let rung = 0;
  for (let i = 0; i < ladder.length; i++) if (ladder[i].bandwidth <= bandwidth * 0.8) rung = i;

  const media = http.get(ladder[rung].uri, { tags: { name: "media.m3u8" } });
  if (!check(media, { "media playlist": (r) => record(metrics, "media_playlist", r) && r.body.includes("#EXTINF") })) return sleep(1);
  let list = segments(media.body, ladder[rung].uri);
  // Some viewers watch to the end, others leave early.
  const watch = Math.max(1, Math.ceil(list.length * (0.3 + Math.random() * 0.7)));

  for (let i = 0; i < watch; i++) {
    const segment = list[i];
    const phase = UPLOADS_START_MS ? (Date.now() < UPLOADS_START_MS ? beforeUploads : duringUploads) : undefined;
    const res = http.get(segment.uri, { tags: { name: "segment" }, responseType: "binary" });
    check(res, { segment: (r) => record(metrics, "segment", r, phase) });
    const took = res.timings.duration / 1000;
    // Too slow for real time: switch to the rung below (its playlist numbers segments alike).
    if (took > segment.seconds * 0.8 && rung > 0) {
      rung--;
      const lower = http.get(ladder[rung].uri, { tags: { name: "media.m3u8" } });
      if (record(metrics, "media_playlist", lower)) list = segments(lower.body, ladder[rung].uri);
    }
    // Two segments ahead at the start, then playback pace.
    if (i >= 1) sleep(Math.max(0, segment.seconds - took));
  }
}

export const handleSummary = writeSummary;
