// Runs every load scenario briefly against the real platform (its own services,
// started here as ./dev.sh up would, on ports of their own) and checks what a
// release gate reads: the exit code and the JSON line. Latency thresholds are
// scaled far up here (timing is no pass/fail criterion in tests; the table is
// for people), except in the test that proves a broken threshold fails the run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, type Platform } from "../test/web/platform.ts";
import { runForJson, type CommandVerdict } from "./lib/run-for-json.ts";

const OFFSET = 900;
let platform: Platform;

/** Runs `node loadtest/run.ts …` against this file's platform. */
function load(args: string[], env: Record<string, string> = {}): Promise<CommandVerdict> {
  return runForJson("run.ts", args, { XTREAM_GATEWAY_PORT: String(8080 + OFFSET), PLAYBACK_HTTP_PORT: String(8081 + OFFSET), LOADTEST_CLIPS: "3", LOADTEST_LATENCY_SCALE: "100", ...env });
}

beforeAll(async () => {
  // Every call comes from 127.0.0.1: the local stack's limits (scripts/stack/services.sh), not one person's.
  process.env["GATEWAY_RATE_LIMIT"] = "10000000";
  process.env["IDENTITY_LOGIN_LIMIT_PER_ADDRESS"] = "100000";
  process.env["IDENTITY_REGISTER_LIMIT_PER_ADDRESS"] = "10000";
  platform = await startPlatform({ portOffset: OFFSET });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe("./dev.sh load", () => {
  it("smoke: health and Connect GET listings pass, with a table and a JSON line (first run also builds the catalogue)", async () => {
    const { code, json, stdout } = await load(["smoke", "--vus", "2", "--duration", "4s"]);
    expect(stdout).toMatch(/request\s+count\s+req\/s\s+p50 ms\s+p95 ms\s+p99 ms\s+errors/);
    expect(json).toMatchObject({ scenario: "smoke", ok: true, errors: {}, checks_rate: 1 });
    expect(json["requests"]).toBeGreaterThan(0);
    expect(code).toBe(0);
  }, 600_000);

  it("api: ghz reaches every method of the mix through the gateway by reflection", async () => {
    const { code, json, stdout } = await load(["api", "--vus", "1", "--duration", "4s"]);
    for (const method of ["GetVideo", "ListFeed", "SearchVideos", "GetPlaybackInfo", "Login"]) expect(stdout).toMatch(new RegExp(`^${method}\\s+[1-9]`, "m"));
    expect(json, JSON.stringify(json["failures"])).toMatchObject({ scenario: "api", ok: true, errors: {} });
    expect(code).toBe(0);
  }, 120_000);

  it("viewers: players fetch playlists and segments through the edge; the edge's hit ratios are reported", async () => {
    const { code, json } = await load(["viewers", "--vus", "4", "--duration", "6s"]);
    expect(json).toMatchObject({ scenario: "viewers", ok: true, errors: {} });
    expect(json["segment_rps"]).toBeGreaterThan(0);
    expect(json["memory_hit_ratio"]).toBeGreaterThanOrEqual(0);
    expect(json["cache_hit_ratio"]).toBeLessThanOrEqual(1);
    expect(typeof json["origin_reads"]).toBe("number");
    expect(code).toBe(0);
  }, 120_000);

  it("uploads: resumable uploads complete while viewers play, and the viewers' p99 is compared", async () => {
    const { code, json } = await load(["uploads", "--vus", "4", "--duration", "9s"]);
    expect(json).toMatchObject({ scenario: "uploads", ok: true, errors: {}, viewers_p99_held: true });
    expect(json["uploads"]).toBeGreaterThan(0);
    expect(json["upload_mib_per_s"]).toBeGreaterThan(0);
    expect(code).toBe(0);
  }, 180_000);

  it("a broken threshold makes the run fail, naming it", async () => {
    const { code, json } = await load(["smoke", "--vus", "1", "--duration", "2s"], { LOADTEST_LATENCY_SCALE: "0.00001" });
    expect(json).toMatchObject({ scenario: "smoke", ok: false });
    expect(JSON.stringify(json["failures"])).toMatch(/req_health/);
    expect(code).toBe(1);
  }, 120_000);

  it("refuses bad usage", async () => {
    await expect(load(["nope"])).rejects.toThrow(/no JSON last line \(exit 2\)/);
  });
});
