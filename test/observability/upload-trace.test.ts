// One upload is one trace: a client uploads a clip through the gateway with
// one traceparent, and Jaeger (through the collector, from the real services)
// must hold the whole tree: client → gateway → upload (StartUpload, chunks,
// FinishUpload) → outbox relay → Kafka → transcoder (probe, encode, publish)
// → Kafka → catalog status updates. Then the dashboard and the alert rules are
// checked against the metric names the services really sent to VictoriaMetrics.
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoStatus } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { PlaybackService } from "../../gen/xtream/playback/v1/playback_service_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { UploadService } from "../../gen/xtream/upload/v1/upload_service_pb.js";
import { fileChunks } from "../../bench/pipeline/upload-client.ts";
import { makeClip } from "../web/clips.ts";
import { ensureObservabilityStack, eventually, gatewayUrl, jaegerUrl, ports, ROOT, vmUrl, type ObservabilityStack } from "./observability-stack.ts";

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
  processID: string;
  startTime: number;
  duration: number;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const fileStarted = Date.now();
let stack: ObservabilityStack;
/** The user and video the upload made; the metrics part signs in and plays it too. */
const account = { email: "", password: "correct horse battery", token: "", videoId: "" };
let dir: string;
beforeAll(async () => {
  stack = await ensureObservabilityStack();
  dir = await mkdtemp(join(tmpdir(), "upload-trace-"));
}, 600_000);
afterAll(async () => {
  await stack?.restore();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

/** The client's own span, sent to the collector over OTLP/HTTP like any SDK would. */
async function exportClientSpan(traceId: string, spanId: string, startMs: number, endMs: number, videoId: string): Promise<void> {
  const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "xtream-test-client" } }] },
        scopeSpans: [
          {
            scope: { name: "upload-trace.test" },
            spans: [
              {
                traceId,
                spanId,
                name: "client upload",
                kind: 3,
                startTimeUnixNano: nanos(startMs),
                endTimeUnixNano: nanos(endMs),
                attributes: [{ key: "video.id", value: { stringValue: videoId } }],
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(`http://127.0.0.1:${ports.otlpHttp}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.ok, await response.text()).toBe(true);
}

async function jaeger<T>(path: string): Promise<T> {
  const response = await fetch(`${jaegerUrl}/api/${path}`);
  if (!response.ok) throw new Error(`Jaeger ${path}: HTTP ${response.status}`);
  return ((await response.json()) as { data: T }).data;
}

describe("one upload, one trace", () => {
  let traceId = "";
  let videoId = "";
  let found: JaegerTrace;

  it("uploads a clip through the gateway and it becomes READY", async () => {
    traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");
    const traced: Interceptor = (next) => (request) => {
      request.header.set("traceparent", `00-${traceId}-${clientSpanId}-01`);
      return next(request);
    };
    let token = "";
    const auth: Interceptor = (next) => (request) => {
      if (token) request.header.set("authorization", `Bearer ${token}`);
      return next(request);
    };
    const transport = createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1", interceptors: [traced, auth] });
    const started = Date.now();
    const handle = `t${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    account.email = `${handle}@example.com`;
    const registered = await createClient(IdentityService, transport).register({ email: account.email, handle, password: account.password });
    token = registered.session?.accessToken ?? "";
    account.token = token;
    expect(token).not.toBe("");
    const { channel } = await createClient(ChannelService, transport).createChannel({ handle, title: "Trace test" });
    const file = join(dir, "clip.mp4");
    await makeClip(file, { width: 320, height: 240, seconds: 4, audio: true, bitrate: "12M" });
    const sizeBytes = (await stat(file)).size;

    const uploads = createClient(UploadService, transport);
    const { session } = await uploads.startUpload({ metadata: { channelId: channel?.id ?? "", title: "Trace test clip", contentType: "video/mp4", sizeBytes: BigInt(sizeBytes), filename: "clip.mp4" } });
    expect(session).toBeDefined();
    videoId = session?.videoId ?? "";
    account.videoId = videoId;
    let offset = 0;
    for await (const data of fileChunks(file, Number(session?.chunkSizeBytes ?? 0))) {
      offset = Number((await uploads.putChunk({ uploadId: session?.uploadId ?? "", offset: BigInt(offset), data })).committedOffset);
    }
    await uploads.finishUpload({ uploadId: session?.uploadId ?? "" });

    const videos = createClient(VideoService, transport);
    await eventually("the video to be READY", 240_000, async () => {
      const { video } = await videos.getVideo({ videoId });
      const status = video?.status ?? VideoStatus.UNSPECIFIED;
      expect(status, "the video failed").not.toBe(VideoStatus.FAILED);
      return status === VideoStatus.READY ? true : undefined;
    });
    await exportClientSpan(traceId, clientSpanId, started, Date.now(), videoId);
  }, 300_000);

  it("Jaeger holds the whole tree: client → gateway → upload → outbox → Kafka → transcoder → Kafka → catalog", async () => {
    expect(videoId).not.toBe("");
    found = await eventually("the whole trace in Jaeger", 90_000, async () => {
      const [t] = await jaeger<JaegerTrace[]>(`traces/${traceId}`);
      // Each service exports in batches: wait for the spans that end last in each of them
      // (the transcoder's "process" span ends after its publish, so after the catalog's update).
      const names = new Set(t?.spans.map((span) => `${t.processes[span.processID]?.serviceName ?? ""}: ${span.operationName}`));
      // The gateway's too: its batches go out on their own schedule, and its spans were asserted
      // before they arrived (in CI the assertion came first).
      const last = [
        "xtream-test-client: client upload",
        "xtream-gateway: gateway /xtream.upload.v1.UploadService/FinishUpload",
        "xtream-catalog: catalog.status ready",
        "xtream-transcoder: process video.uploaded",
        "xtream-upload: outbox.relay video.uploaded",
      ];
      return t && last.every((name) => names.has(name)) ? t : undefined;
    });
    const byId = new Map(found.spans.map((span) => [span.spanID, span]));
    const service = (span: JaegerSpan) => found.processes[span.processID]?.serviceName ?? "";
    const parent = (span: JaegerSpan) => byId.get(span.references.find((ref) => ref.refType === "CHILD_OF")?.spanID ?? "");
    const ancestors = (span: JaegerSpan) => {
      const chain: string[] = [];
      for (let at = parent(span); at; at = parent(at)) chain.push(`${service(at)}: ${at.operationName}`);
      return chain;
    };
    const one = (svc: string, name: string) => {
      const spans = found.spans.filter((span) => service(span) === svc && span.operationName === name);
      expect(spans.length, `${svc}: ${name} in ${[...new Set(found.spans.map((s) => `${service(s)}: ${s.operationName}`))].join(", ")}`).toBeGreaterThan(0);
      return spans[0] as JaegerSpan;
    };
    const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;

    const root = one("xtream-test-client", "client upload");
    expect(parent(root)).toBeUndefined();
    // The gateway's span of each RPC is a child of the client's span, and the service's gRPC span under it.
    for (const method of ["StartUpload", "PutChunk", "FinishUpload"]) {
      const gateway = one("xtream-gateway", `gateway /xtream.upload.v1.UploadService/${method}`);
      expect(parent(gateway)?.spanID).toBe(root.spanID);
      expect(ancestors(one("xtream-upload", `grpc.xtream.upload.v1.UploadService/${method}`))).toContain(`xtream-gateway: gateway /xtream.upload.v1.UploadService/${method}`);
    }
    const chunk = one("xtream-upload", "upload.chunk");
    expect(ancestors(chunk)).toContain("xtream-upload: grpc.xtream.upload.v1.UploadService/PutChunk");
    const finish = one("xtream-upload", "upload.finish");
    expect(ancestors(finish)).toContain("xtream-upload: grpc.xtream.upload.v1.UploadService/FinishUpload");
    // The outbox row carried upload.finish's context to the relay, and Kafka's headers on to the consumers.
    const relay = one("xtream-upload", "outbox.relay video.uploaded");
    expect(parent(relay)?.spanID).toBe(finish.spanID);
    const sent = one("xtream-upload", "send video.uploaded");
    expect(parent(sent)?.spanID).toBe(relay.spanID);
    const transcoderProcess = found.spans.find((span) => service(span) === "xtream-transcoder" && span.operationName === "process video.uploaded" && parent(span)?.spanID === sent.spanID);
    expect(transcoderProcess, "xtream-transcoder: process video.uploaded under send video.uploaded").toBeDefined();
    const transcode = one("xtream-transcoder", "transcode");
    expect(parent(transcode)?.spanID).toBe(transcoderProcess?.spanID);
    for (const phase of ["transcode.fetch", "transcode.probe", "transcode.encode", "transcode.images", "transcode.finish", "transcode.publish"]) {
      expect(parent(one("xtream-transcoder", phase))?.spanID, phase).toBe(transcode.spanID);
    }
    expect(ancestors(one("xtream-transcoder", "send video.transcoded"))).toContain("xtream-transcoder: transcode.publish");
    // The catalog's status updates: PROCESSING from video.uploaded, READY from video.transcoded.
    expect(ancestors(one("xtream-catalog", "catalog.status processing"))).toContain("xtream-upload: send video.uploaded");
    const ready = one("xtream-catalog", "catalog.status ready");
    expect(ancestors(ready)).toEqual(expect.arrayContaining(["xtream-catalog: process video.transcoded", "xtream-transcoder: transcode.publish", "xtream-upload: upload.finish", "xtream-test-client: client upload"]));
    for (const span of [finish, relay, transcode, ready]) expect(tag(span, "video.id"), span.operationName).toBe(videoId);
  }, 120_000);

  it("finds the trace by video id, for any service of the pipeline", async () => {
    expect(found).toBeDefined();
    const tags = encodeURIComponent(JSON.stringify({ "video.id": videoId }));
    for (const svc of ["xtream-upload", "xtream-transcoder", "xtream-catalog"]) {
      const traces = await jaeger<JaegerTrace[]>(`traces?service=${svc}&tags=${tags}&lookback=1h&limit=20`);
      expect(traces.map((t) => t.traceID), svc).toContain(traceId);
    }
    // The trace viewer Jaeger serves (observability/jaeger/ui) is there.
    const page = await fetch(`${jaegerUrl}/trace/${traceId}`);
    expect(page.ok).toBe(true);
    expect(await page.text()).toContain("Xtream traces");
  }, 60_000);
});

describe("dashboard and alert rules against the metrics the services sent", () => {
  interface Panel {
    type: string;
    title: string;
    targets?: { expr: string }[];
  }

  /** Metric names (not labels, functions or keywords) in a PromQL expression. */
  function metricsIn(expr: string): string[] {
    const stripped = expr
      .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
      .replace(/\{[^}]*\}/g, "{}")
      .replace(/\[[^\]]*\]/g, "[]")
      .replace(/"[^"]*"/g, '""');
    const words = stripped.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
    const keywords = new Set(["and", "or", "unless", "bool", "offset", "le"]);
    return [...new Set(words.filter((word) => !keywords.has(word) && !/^\d/.test(word) && word.includes("_")))];
  }

  /**
   * The names among `wanted` that have samples since this file started: VictoriaMetrics
   * keeps earlier runs' data (and its name index is per day), so each name is queried
   * over exactly this run's window.
   */
  async function vmNames(wanted: string[]): Promise<Set<string>> {
    const window = `${Math.ceil((Date.now() - fileStarted) / 1000) + 1}s`;
    const have = new Set<string>();
    for (const name of wanted) {
      const query = `count(last_over_time({__name__="${name}"}[${window}]))`;
      const response = await fetch(`${vmUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await response.json()) as { data?: { result?: unknown[] } };
      if ((body.data?.result?.length ?? 0) > 0) have.add(name);
    }
    return have;
  }

  async function vmAccepts(expr: string): Promise<string | undefined> {
    const response = await fetch(`${vmUrl}/api/v1/query?query=${encodeURIComponent(expr.replaceAll("$__rate_interval", "2m"))}`);
    return response.ok ? undefined : await response.text();
  }

  const dashboard = JSON.parse(readFileSync(join(ROOT, "observability", "dashboards", "xtream.json"), "utf8")) as { panels: Panel[] };
  const rules = (parse(readFileSync(join(ROOT, "observability", "alerts", "xtream.rules.yaml"), "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
    (group) => group.rules,
  );

  // Metrics that only appear when something rare happens (a refresh token replayed, Redis down,
  // two viewers missing the same object at once): test/deploy/observability.test.ts finds them in the code.
  const rare = ["identity_refresh_reuse_total", "xtream_edge_redis_errors_total", "xtream_edge_coalesced_total"];

  it("signs in and plays the video through the edge, so sign-in and edge metrics exist", async () => {
    expect(account.videoId).not.toBe("");
    const transport = createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" });
    await createClient(IdentityService, transport).login({ email: account.email, password: account.password });
    const authed = createConnectTransport({
      baseUrl: gatewayUrl,
      httpVersion: "1.1",
      interceptors: [(next) => (request) => (request.header.set("authorization", `Bearer ${account.token}`), next(request))],
    });
    const info = await createClient(PlaybackService, authed).getPlaybackInfo({ videoId: account.videoId });
    // Twice: the first read goes to MinIO, the second is a cache hit.
    for (let i = 0; i < 2; i++) {
      const master = await fetch(info.masterPlaylistUrl);
      expect(master.ok).toBe(true);
      await master.text();
    }
  }, 60_000);

  it("every pipeline and gRPC metric the dashboard and rules use arrives in VictoriaMetrics, and every query parses", async () => {
    const used = new Map<string, string>();
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) for (const target of panel.targets ?? []) for (const m of metricsIn(target.expr)) used.set(m, `panel "${panel.title}"`);
    for (const rule of rules) for (const m of metricsIn(rule.expr)) used.set(m, `rule ${rule.alert}`);
    expect(used.size).toBeGreaterThan(10);
    const expected = [...used.keys()].filter((name) => !rare.some((prefix) => name.startsWith(prefix)));
    const names = await eventually("the services' metrics in VictoriaMetrics", 90_000, async () => {
      const have = await vmNames(expected);
      return expected.every((name) => have.has(name)) ? have : undefined;
    }).catch(async (err: unknown) => {
      const have = await vmNames(expected);
      throw new Error(`${String(err)}; missing: ${expected.filter((name) => !have.has(name)).map((name) => `${name} (${used.get(name)})`).join(", ")}`);
    });
    for (const name of expected) expect(names, `${name} (${used.get(name)})`).toContain(name);
    for (const panel of dashboard.panels.filter((p) => p.type !== "row")) for (const target of panel.targets ?? []) expect(await vmAccepts(target.expr), panel.title).toBeUndefined();
    for (const rule of rules) expect(await vmAccepts(rule.expr), rule.alert).toBeUndefined();
  }, 150_000);
});
