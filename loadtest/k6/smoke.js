// smoke: the seed's stress test, kept for continuity. Virtual users check the
// gateway's health and list videos with Connect GET (the public feed, one
// channel's videos, a search), through the gateway. Run by loadtest/smoke.ts.
import http from "k6/http";
import { check, sleep } from "k6";
import { kindMetrics, record, summaryTrendStats, writeSummary } from "./common.js";

const GATEWAY = __ENV.GATEWAY_URL;
const CHANNEL_ID = __ENV.CHANNEL_ID;
const metrics = kindMetrics(["health", "feed", "channel_videos", "search"]);
// LATENCY_SCALE multiplies every latency threshold (a slower machine, or a test proving they bite).
const ms = (limit) => limit * Number(__ENV.LATENCY_SCALE || 1);

export const options = {
  scenarios: {
    smoke: { executor: "constant-vus", vus: Number(__ENV.VUS || 10), duration: __ENV.DURATION || "15s", gracefulStop: "5s" },
  },
  // Healthy: almost nothing fails and listing stays fast on one small machine.
  thresholds: {
    checks: ["rate>0.99"],
    req_health: [`p(99)<${ms(500)}`],
    req_feed: [`p(99)<${ms(1000)}`],
    req_channel_videos: [`p(99)<${ms(1000)}`],
    req_search: [`p(99)<${ms(1000)}`],
  },
  summaryTrendStats,
  noConnectionReuse: false,
};

/** A Connect GET: the request message as JSON in the query string (cacheable, no preflight). */
function connectGet(method, message) {
  const query = `connect=v1&encoding=json&message=${encodeURIComponent(JSON.stringify(message))}`;
  return http.get(`${GATEWAY}/${method}?${query}`, { tags: { name: method } });
}

export default function () {
  const health = http.get(`${GATEWAY}/healthz`, { tags: { name: "healthz" } });
  check(health, { "healthz 200": (r) => record(metrics, "health", r) && r.body === "ok\n" });

  const feed = connectGet("xtream.catalog.v1.VideoService/ListFeed", { pageSize: 24 });
  check(feed, { "feed lists videos": (r) => record(metrics, "feed", r) && Array.isArray(r.json("videos")) });

  const videos = connectGet("xtream.catalog.v1.VideoService/ListVideos", { channelId: CHANNEL_ID, pageSize: 20 });
  check(videos, { "channel lists its clips": (r) => record(metrics, "channel_videos", r) && (r.json("videos") || []).length > 0 });

  const search = connectGet("xtream.catalog.v1.SearchService/SearchVideos", { query: "load test clip", pageSize: 10 });
  check(search, { "search answers": (r) => record(metrics, "search", r) });
  sleep(0.2);
}

export const handleSummary = writeSummary;
