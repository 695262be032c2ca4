import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { sendServiceKey, type TokenVerifier } from "../../lib/auth/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createServiceClient, forwardAuthorization } from "../../lib/grpc/index.ts";
import { createEventProducer, topics, type EventConsumer, type EventProducer } from "../../lib/kafka/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { createTestDatabase, createTestTokens, stackEnv, TEST_SERVICE_KEY, type TestDatabase } from "../../lib/testing/index.ts";
import { startCatalog, type StartCatalogOptions } from "./runtime.ts";

/** What a seeded video says when it turns READY (as the transcoder's video.transcoded would). */
export interface ReadyVideo {
  durationMs: number;
  renditions: { name: string; width: number; height: number; bandwidth: number; codecs: string; playlistPath: string }[];
}

export interface CatalogHarnessOptions {
  /** Verifies callers' tokens (default: the harness's own test tokens). */
  verifier?: TokenVerifier;
  /** Server tuning (caches, views, WatchVideo limits). */
  server?: StartCatalogOptions["server"];
  /**
   * Runs the event consumer and outbox relay against the stack's Kafka, in a
   * fresh consumer group (so it reads each topic from the beginning). Needed
   * by markReady; the harness waits until the consumer has joined.
   */
  events?: boolean | { onApplied?: (topic: string, videoId: string, changed: boolean) => void; maxBackoffMs?: number };
}

/** A catalog (started through runtime.ts) on a throwaway database, for tests. */
export interface CatalogHarness {
  /** The catalog's own pool: for this service's tests only. */
  pool: Pool;
  database: TestDatabase;
  address: string;
  /** The event consumer when `events` was asked for. */
  consumer: EventConsumer | undefined;
  /**
   * A typed client calling as the given user (anonymous when omitted). It
   * also carries the internal service key, as the upload service's calls do
   * (CreateVideo needs it), unless `outsider` is set.
   */
  client<S extends DescService>(service: S, userId?: string, options?: { outsider?: boolean }): Promise<Client<S>>;
  /** A fresh user id. */
  newUser(): string;
  /**
   * Turns a video READY the way production does: publishes video.transcoded
   * to Kafka and waits until the catalog's consumer applied it. Needs `events`.
   */
  markReady(videoId: string, ready: ReadyVideo): Promise<void>;
  close(): Promise<void>;
}

/** Starts a migrated catalog on port 0 against a new test database. */
export async function startCatalogHarness(options: CatalogHarnessOptions = {}): Promise<CatalogHarness> {
  const database = await createTestDatabase("catalog");
  const tokens = await createTestTokens();
  const logger = createLogger("catalog-test", "silent");
  const events = options.events === true ? {} : options.events || undefined;
  const waiting = new Map<string, () => void>();
  const catalog = await startCatalog({
    port: 0,
    databaseUrl: database.url,
    poolSize: 8,
    verifier: options.verifier ?? tokens.verifier,
    serviceKeys: [TEST_SERVICE_KEY],
    logger,
    ...(options.server ? { server: options.server } : {}),
    ...(events
      ? {
          kafka: {
            brokers: stackEnv().kafkaBrokers,
            groupId: `catalog-test-${randomUUID()}`,
            clientId: "catalog-test",
            outboxPollMs: 200,
            ...(events.maxBackoffMs ? { maxBackoffMs: events.maxBackoffMs } : {}),
            onApplied(topic: string, videoId: string, changed: boolean) {
              if (topic === topics.videoTranscoded.name) waiting.get(videoId)?.();
              events.onApplied?.(topic, videoId, changed);
            },
          },
        }
      : {}),
  });
  if (events) await catalog.consumerStarted;
  let producer: EventProducer | undefined;

  return {
    pool: catalog.pool,
    database,
    address: catalog.address,
    consumer: catalog.consumer,
    async client(service, userId, clientOptions) {
      const token = userId ? await tokens.tokenFor({ userId, handle: `u${userId.slice(0, 8)}` }) : undefined;
      return createServiceClient(service, {
        address: catalog.address,
        interceptors: [forwardAuthorization(token && `Bearer ${token}`), ...(clientOptions?.outsider ? [] : [sendServiceKey(TEST_SERVICE_KEY)])],
      });
    },
    newUser: () => randomUUID(),
    async markReady(videoId, ready) {
      if (!events) throw new Error("markReady needs startCatalogHarness({ events: true })");
      producer ??= createEventProducer({ brokers: stackEnv().kafkaBrokers, clientId: "catalog-test-seed" });
      const applied = new Promise<void>((resolve) => waiting.set(videoId, resolve));
      await producer.publish(topics.videoTranscoded, videoId, {
        videoId,
        duration: durationFromMs(ready.durationMs),
        renditions: ready.renditions.map((rendition) => ({ ...rendition, bandwidth: BigInt(rendition.bandwidth) })),
        posterKey: `videos/${videoId}/poster.jpg`,
      });
      await applied;
      waiting.delete(videoId);
    },
    async close() {
      await producer?.disconnect();
      await catalog.stop(1000);
      await database.drop();
    },
  };
}
