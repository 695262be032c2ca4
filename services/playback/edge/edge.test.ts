import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { createPlaybackTokens } from "../domain/playback-token.ts";
import { publishFixture, startTestEdge, startVideoDirectory, TEST_SECRETS, type TestEdge } from "../testing.ts";

// The HTTP edge against the real Redis and MinIO, with HLS trees made by ffmpeg.
let directory: Awaited<ReturnType<typeof startVideoDirectory>>;
let edge: TestEdge;
const publicVideo = randomUUID();
const unlistedVideo = randomUUID();
const privateVideo = randomUUID();

beforeAll(async () => {
  directory = await startVideoDirectory();
  directory.videos.set(publicVideo, { visibility: Visibility.PUBLIC });
  directory.videos.set(unlistedVideo, { visibility: Visibility.UNLISTED });
  directory.videos.set(privateVideo, { visibility: Visibility.PRIVATE });
  await Promise.all([publishFixture(publicVideo), publishFixture(unlistedVideo), publishFixture(privateVideo)]);
  edge = await startTestEdge({ catalogAddress: directory.address });
});

afterAll(async () => {
  await edge.close();
  await directory.close();
});

const get = (path: string, headers: Record<string, string> = {}, method = "GET") => fetch(`${edge.baseUrl}${path}`, { headers, method });
const rawStatus = (baseUrl: string, path: string) =>
  new Promise<number>((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = request({ host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
const key = (videoId: string, file: string) => `videos/${videoId}/${file}`;

describe("cache tiers", () => {
  it("misses memory and Redis on first read, then hits memory; a second edge hits Redis", async () => {
    const stats = edge.server.stats;
    const before = { ...stats };
    const first = await get(`/v/${publicVideo}/240p/seg_00000.ts`);
    expect(first.status).toBe(200);
    const body = Buffer.from(await first.arrayBuffer());
    expect(body[0]).toBe(0x47); // MPEG-TS sync byte
    expect(stats.memoryMisses - before.memoryMisses).toBe(1);
    expect(stats.redisMisses - before.redisMisses).toBe(1);
    expect(stats.originReads - before.originReads).toBe(1);
    expect(edge.origin.readsOf(key(publicVideo, "240p/seg_00000.ts"))).toBe(1);

    const second = await get(`/v/${publicVideo}/240p/seg_00000.ts`);
    expect(Buffer.from(await second.arrayBuffer()).equals(body)).toBe(true);
    expect(stats.memoryHits - before.memoryHits).toBe(1);
    expect(edge.origin.readsOf(key(publicVideo, "240p/seg_00000.ts"))).toBe(1);

    // Another edge sharing the Redis tier (same key prefix through the same adapter) gets it from Redis.
    const other = await startTestEdge({ catalogAddress: directory.address });
    try {
      // Different prefixes per edge: copy the entry through the first edge's adapter instead.
      const object = await edge.redis.get(key(publicVideo, "240p/seg_00000.ts"));
      expect(object?.body.equals(body)).toBe(true);
      await other.redis.set(publicVideo, key(publicVideo, "240p/seg_00000.ts"), object!, 60_000);
      const viaRedis = await fetch(`${other.baseUrl}/v/${publicVideo}/240p/seg_00000.ts`);
      expect(Buffer.from(await viaRedis.arrayBuffer()).equals(body)).toBe(true);
      expect(other.server.stats.redisHits).toBe(1);
      expect(other.origin.reads).toBe(0);
      expect(viaRedis.headers.get("etag")).toBe(first.headers.get("etag"));
    } finally {
      await other.close();
    }
  });

  it("serves every request from Redis when the memory tier is off", async () => {
    const cold = await startTestEdge({ catalogAddress: directory.address, cache: { memoryMaxBytes: 0 } });
    try {
      for (let index = 0; index < 3; index++) expect((await fetch(`${cold.baseUrl}/v/${publicVideo}/360p/seg_00001.ts`)).status).toBe(200);
      expect(cold.server.stats.originReads).toBe(1);
      expect(cold.server.stats.redisHits).toBe(2);
      expect(cold.server.stats.memoryHits).toBe(0);
    } finally {
      await cold.close();
    }
  });

  it("coalesces concurrent misses for one object into one MinIO read", async () => {
    const file = "360p/seg_00002.ts";
    const before = edge.server.stats.coalesced;
    const responses = await Promise.all(Array.from({ length: 50 }, () => get(`/v/${publicVideo}/${file}`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const bodies = await Promise.all(responses.map(async (response) => Buffer.from(await response.arrayBuffer())));
    expect(new Set(bodies.map((body) => body.toString("base64"))).size).toBe(1);
    expect(edge.origin.readsOf(key(publicVideo, file))).toBe(1);
    expect(edge.server.stats.coalesced - before).toBeGreaterThan(0);
  });

  it("prefetches the next segments of the rendition once its playlist is known", async () => {
    const video = randomUUID();
    directory.videos.set(video, { visibility: Visibility.PUBLIC });
    await publishFixture(video);
    expect((await get(`/v/${video}/240p/index.m3u8`)).status).toBe(200);
    expect((await get(`/v/${video}/240p/seg_00000.ts`)).status).toBe(200);
    await expect.poll(() => edge.origin.readsOf(key(video, "240p/seg_00002.ts")), { timeout: 5000 }).toBe(1);
    expect(edge.origin.readsOf(key(video, "240p/seg_00001.ts"))).toBe(1);
    // A read is counted when it starts; wait until the prefetched segment is in memory.
    await expect.poll(() => edge.server.cache.peek(key(video, "240p/seg_00001.ts")) !== undefined, { timeout: 5000 }).toBe(true);
    const hitsBefore = edge.server.stats.memoryHits;
    expect((await get(`/v/${video}/240p/seg_00001.ts`)).status).toBe(200);
    expect(edge.server.stats.memoryHits - hitsBefore).toBe(1);
    expect(edge.origin.readsOf(key(video, "240p/seg_00001.ts"))).toBe(1);
    expect(edge.server.stats.prefetched).toBeGreaterThanOrEqual(2);
  });
});

describe("HTTP", () => {
  it("answers with content types and cache headers per kind", async () => {
    const segment = await get(`/v/${publicVideo}/240p/seg_00001.ts`);
    expect(segment.headers.get("content-type")).toBe("video/mp2t");
    expect(segment.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(segment.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(segment.headers.get("access-control-allow-origin")).toBe("*");
    const playlist = await get(`/v/${publicVideo}/240p/index.m3u8`, { "accept-encoding": "identity" });
    expect(playlist.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(playlist.headers.get("cache-control")).toBe("public, max-age=30");
    expect(await playlist.text()).toContain("#EXT-X-ENDLIST");
    const master = await get(`/v/${publicVideo}/master.m3u8`);
    expect(master.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect((await get(`/v/${publicVideo}/poster.jpg`)).headers.get("content-type")).toBe("image/jpeg");
    expect((await get(`/v/${publicVideo}/thumbs/thumb_000.jpg`)).status).toBe(200);
    expect((await get(`/v/${publicVideo}/storyboard.vtt`)).headers.get("content-type")).toBe("text/vtt; charset=utf-8");
  });

  it("keeps a still-growing playlist short-lived", async () => {
    const video = randomUUID();
    directory.videos.set(video, { visibility: Visibility.PUBLIC });
    const { client, bucket } = (await import("../testing.ts")).testMinio();
    await client.putObject(bucket, key(video, "240p/index.m3u8"), Buffer.from("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg_00000.ts\n"));
    const growing = await get(`/v/${video}/240p/index.m3u8`);
    expect(growing.headers.get("cache-control")).toBe("public, max-age=1");
    await client.putObject(bucket, key(video, "240p/index.m3u8"), Buffer.from("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg_00000.ts\n#EXTINF:1.0,\nseg_00001.ts\n#EXT-X-ENDLIST\n"));
    await expect.poll(async () => (await (await get(`/v/${video}/240p/index.m3u8`)).text()).includes("ENDLIST"), { timeout: 5000, interval: 200 }).toBe(true);
  });

  it("answers If-None-Match with 304", async () => {
    const first = await get(`/v/${publicVideo}/360p/seg_00000.ts`);
    const etag = first.headers.get("etag") as string;
    const again = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect((await get(`/v/${publicVideo}/360p/seg_00000.ts`, { "if-none-match": `W/${etag}` })).status).toBe(304);
    expect((await get(`/v/${publicVideo}/360p/seg_00000.ts`, { "if-none-match": '"other"' })).status).toBe(200);
  });

  it("serves ranges with 206 and refuses unsatisfiable ones with 416", async () => {
    const whole = Buffer.from(await (await get(`/v/${publicVideo}/360p/seg_00000.ts`)).arrayBuffer());
    const part = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { range: "bytes=10-99" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 10-99/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(10, 100))).toBe(true);
    const suffix = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { range: "bytes=-188" });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 188))).toBe(true);
    const open = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { range: `bytes=${whole.length - 5}-` });
    expect((await open.arrayBuffer()).byteLength).toBe(5);
    const beyond = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { range: `bytes=${whole.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${whole.length}`);
    const stale = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { range: "bytes=0-9", "if-range": '"stale"' });
    expect(stale.status).toBe(200);
  });

  it("answers HEAD with the headers and no body", async () => {
    const head = await get(`/v/${publicVideo}/360p/seg_00000.ts`, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(1000);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("compresses playlists only", async () => {
    const identity = await (await get(`/v/${publicVideo}/360p/index.m3u8`, { "accept-encoding": "identity" })).text();
    const gz = await fetch(`${edge.baseUrl}/v/${publicVideo}/360p/index.m3u8`, { headers: { "accept-encoding": "gzip" } });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gz.headers.get("vary")).toBe("Accept-Encoding");
    // fetch decodes transparently; the bytes equal the identity playlist.
    expect(await gz.text()).toBe(identity);
    const br = await fetch(`${edge.baseUrl}/v/${publicVideo}/360p/index.m3u8`, { headers: { "accept-encoding": "br" } });
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("etag")).not.toBe(gz.headers.get("etag"));
    const segment = await get(`/v/${publicVideo}/360p/seg_00000.ts`, { "accept-encoding": "gzip, br" });
    expect(segment.headers.get("content-encoding")).toBeNull();
  });

  it("answers 404 to traversal, unknown paths and missing objects, 405 to other methods", async () => {
    for (const path of [
      `/v/${publicVideo}/../../etc/passwd`,
      `/v/${publicVideo}/%2e%2e/%2e%2e/sources/${publicVideo}`,
      `/v/${publicVideo}/240p/../360p/index.m3u8`,
      `/v/${publicVideo}/secret.txt`,
      `/v/${publicVideo}/720p/seg_00000.ts`,
      `/sources/${publicVideo}`,
      `/v/not-a-uuid/master.m3u8`,
      `/`,
    ]) {
      // node:http sends the path as written (fetch would normalise the dots away).
      expect(await rawStatus(edge.baseUrl, path), path).toBe(404);
    }
    expect((await get(`/v/${publicVideo}/master.m3u8`, {}, "DELETE")).status).toBe(405);
  });
});

describe("connections", () => {
  // The bench once showed one wrk error per connection on every edge run; the
  // cause was the bench freezing its own catalog stand-in (see bench/edge/run.ts),
  // but every answer the edge gives must leave a keep-alive connection usable.
  it("keeps one keep-alive connection open across every kind of answer", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<Socket>();
    const send = (path: string, method = "GET", headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(edge.baseUrl);
        const req = request({ host: url.hostname, port: url.port, path, method, headers, agent }, (res) => {
          sockets.add(res.socket);
          expect(res.headers.connection, `${method} ${path}`).not.toBe("close");
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      const video = randomUUID();
      directory.videos.set(video, { visibility: Visibility.PUBLIC });
      await publishFixture(video);
      const segment = `/v/${video}/240p/seg_00001.ts`;
      const etag = (await get(`/v/${publicVideo}/240p/seg_00000.ts`)).headers.get("etag") as string;
      const statuses: number[] = [];
      statuses.push(await send(segment)); // miss: origin read, asynchronous answer
      for (let index = 0; index < 20; index++) statuses.push(await send(segment)); // memory hits
      statuses.push(await send(`/v/${publicVideo}/240p/seg_00000.ts`, "HEAD"));
      statuses.push(await send(`/v/${publicVideo}/240p/seg_00000.ts`, "GET", { "if-none-match": etag }));
      statuses.push(await send(`/v/${publicVideo}/240p/seg_00000.ts`, "GET", { range: "bytes=0-99" }));
      statuses.push(await send(`/v/${publicVideo}/240p/seg_00000.ts`, "GET", { range: "bytes=99999999-" }));
      statuses.push(await send(`/v/${publicVideo}/240p/index.m3u8`, "GET", { "accept-encoding": "gzip" }));
      statuses.push(await send(`/v/${privateVideo}/master.m3u8`));
      statuses.push(await send(`/v/${publicVideo}/720p/seg_00000.ts`));
      statuses.push(await send(`/nowhere`));
      statuses.push(await send(`/v/${publicVideo}/master.m3u8`, "DELETE"));
      statuses.push(await send(`/v/${publicVideo}/master.m3u8`, "OPTIONS"));
      statuses.push(await send(`/metrics.json`));
      expect(statuses).toEqual([...Array<number>(21).fill(200), 200, 304, 206, 416, 200, 403, 404, 404, 405, 204, 200]);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
  it("drops a client that trickles its headers (slowloris) once the headers timeout passes", async () => {
    const slow = await startTestEdge({ catalogAddress: directory.address, headersTimeoutMs: 1000 });
    try {
      const socket = connect({ host: "127.0.0.1", port: Number(new URL(slow.baseUrl).port) });
      let answer = "";
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
      socket.write(`GET /v/${publicVideo}/master.m3u8 HTTP/1.1\r\nHost: edge\r\n`);
      const started = Date.now();
      // A header line every 100 ms, never the blank line that ends them.
      const trickle = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), 100);
      const end = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 6_000))]);
      clearInterval(trickle);
      socket.destroy();
      expect(end, "the connection was still open after 6 s").toBeGreaterThan(0);
      expect(end - started).toBeLessThan(4_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await slow.close();
    }
  });
});

describe("access", () => {
  it("opens public videos without a token and refuses others without one", async () => {
    expect((await get(`/v/${publicVideo}/master.m3u8`)).status).toBe(200);
    for (const video of [unlistedVideo, privateVideo, randomUUID()]) {
      const response = await get(`/v/${video}/master.m3u8`);
      expect(response.status).toBe(403);
      expect(await response.text()).toBe("");
    }
  });

  it("opens private and unlisted videos with a valid token, privately cached, relative URIs keep the token", async () => {
    for (const video of [unlistedVideo, privateVideo]) {
      const { token } = edge.tokens.issue(video);
      const master = await get(`/v/${video}/t/${token}/master.m3u8`);
      expect(master.status).toBe(200);
      expect(master.headers.get("cache-control")).toMatch(/^private, /);
      const playlistUri = (await master.text()).split("\n").find((line) => line.endsWith(".m3u8")) as string;
      const playlistUrl = new URL(playlistUri, master.url);
      expect(playlistUrl.pathname).toBe(`/v/${video}/t/${token}/240p/index.m3u8`);
      const playlist = await fetch(playlistUrl);
      const segmentUri = (await playlist.text()).split("\n").find((line) => line.endsWith(".ts")) as string;
      const segment = await fetch(new URL(segmentUri, playlistUrl));
      expect(segment.status).toBe(200);
      expect(segment.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    }
  });

  it("refuses expired, other-video, tampered and unknown-key tokens with a bare 403", async () => {
    const expired = edge.tokens.issue(privateVideo, Date.now() - 3600_000).token;
    const other = edge.tokens.issue(unlistedVideo).token;
    const valid = edge.tokens.issue(privateVideo).token;
    const [kid, expiry, signature] = valid.split(".") as [string, string, string];
    const tampered = `${kid}.${(parseInt(expiry, 36) + 99_999).toString(36)}.${signature}`;
    const foreign = createPlaybackTokens({ secrets: ["some-other-deployment-secret-0123456789"], ttlSeconds: 600 }).issue(privateVideo).token;
    for (const token of [expired, other, tampered, foreign]) {
      const response = await get(`/v/${privateVideo}/t/${token}/master.m3u8`);
      expect(response.status, token).toBe(403);
      expect(await response.text()).toBe("");
    }
  });

  it("accepts tokens signed with an older key after a rotation", async () => {
    const oldKeyOnly = createPlaybackTokens({ secrets: [TEST_SECRETS[1] as string], ttlSeconds: 600 });
    const token = oldKeyOnly.issue(privateVideo).token;
    expect((await get(`/v/${privateVideo}/t/${token}/master.m3u8`)).status).toBe(200);
  });
});
