// startPlayback with Kafka unreachable: the edge and GetPlaybackInfo's
// listener serve at once, the purge consumer keeps retrying in the background
// (lib/process keepRetrying) and shows as NOT_SERVING on the health service,
// and stop() does not wait for Kafka.
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HEALTH_KAFKA_CONSUMER, HEALTH_READINESS } from "../../lib/grpc/index.ts";
import { freePort } from "../../lib/testing/index.ts";
import { Visibility } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { startPlayback, type RunningPlayback } from "./runtime.ts";
import { publishFixture, stackPlaybackOptions, startVideoDirectory } from "./testing.ts";

type HealthClient = grpc.Client & { check(request: { service: string }, callback: (err: grpc.ServiceError | null, response: { status: string }) => void): void };

function healthCheck(address: string, service: string): Promise<string> {
  const definition = grpc.loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, creds: grpc.ChannelCredentials) => HealthClient } } };
  };
  const client = new definition.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.check({ service }, (err, response) => {
      client.close();
      if (err) reject(err);
      else resolve(response.status);
    }),
  );
}

let directory: Awaited<ReturnType<typeof startVideoDirectory>>;
let playback: RunningPlayback | undefined;
const video = randomUUID();

beforeAll(async () => {
  directory = await startVideoDirectory();
  directory.videos.set(video, { visibility: Visibility.PUBLIC });
  await publishFixture(video);
});

afterAll(async () => {
  await playback?.stop(200);
  await directory?.close();
});

it("serves while Kafka is unreachable (the purge consumer retries in the background, NOT_SERVING on health) and stops without waiting for Kafka", { timeout: 60_000 }, async () => {
  const nobody = await freePort();
  playback = await startPlayback({
    ...stackPlaybackOptions({ catalogAddress: directory.address }),
    purge: { brokers: [`127.0.0.1:${nobody}`], instanceId: `runtime-test-${randomUUID()}` },
  });
  const playlist = await fetch(`${playback.httpUrl}/v/${video}/240p/index.m3u8`);
  expect(playlist.status).toBe(200);
  expect(await playlist.text()).toContain("#EXTM3U");
  expect(await healthCheck(playback.grpcAddress, HEALTH_READINESS)).toBe("SERVING");
  expect(await healthCheck(playback.grpcAddress, HEALTH_KAFKA_CONSUMER)).toBe("NOT_SERVING");

  const started = playback.purgeStarted.then((ok) => ok);
  const stopping = Date.now();
  const running = playback;
  playback = undefined;
  await running.stop(200);
  expect(Date.now() - stopping).toBeLessThan(15_000);
  expect(await started).toBe(false);
});
