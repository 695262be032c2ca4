import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { sendServiceKey } from "../../lib/auth/index.ts";
import { createPgPool, type Pool } from "../../lib/db/index.ts";
import { createServiceClient, forwardAuthorization, type GrpcServer } from "../../lib/grpc/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { createTestDatabase, createTestTokens, TEST_SERVICE_KEY, type TestDatabase } from "../../lib/testing/index.ts";
import { createCatalogServer, migrateCatalog, type CatalogServerOptions } from "./server.ts";

/** A catalog server on a throwaway database, for this service's tests. */
export interface CatalogHarness {
  pool: Pool;
  database: TestDatabase;
  server: GrpcServer;
  address: string;
  /**
   * A typed client calling as the given user (anonymous when omitted). It
   * also carries the internal service key, as the upload service's calls do
   * (CreateVideo needs it), unless `outsider` is set.
   */
  client<S extends DescService>(service: S, userId?: string, options?: { outsider?: boolean }): Promise<Client<S>>;
  /** A fresh user id. */
  newUser(): string;
  close(): Promise<void>;
}

/** Starts a migrated catalog server on port 0 against a new test database. */
export async function startCatalogHarness(overrides: Partial<CatalogServerOptions> = {}): Promise<CatalogHarness> {
  const database = await createTestDatabase("catalog");
  const pool = createPgPool(database.url, 8);
  await migrateCatalog(pool);
  const tokens = await createTestTokens();
  const logger = createLogger("catalog-test", "silent");
  const server = createCatalogServer({ pool, verifier: tokens.verifier, serviceKeys: [TEST_SERVICE_KEY], logger, ...overrides });
  const port = await server.listen("127.0.0.1", 0);
  const address = `127.0.0.1:${port}`;
  return {
    pool,
    database,
    server,
    address,
    async client(service, userId, options) {
      const token = userId ? await tokens.tokenFor({ userId, handle: `u${userId.slice(0, 8)}` }) : undefined;
      return createServiceClient(service, {
        address,
        interceptors: [forwardAuthorization(token && `Bearer ${token}`), ...(options?.outsider ? [] : [sendServiceKey(TEST_SERVICE_KEY)])],
      });
    },
    newUser: () => randomUUID(),
    async close() {
      await server.shutdown(1000);
      await pool.end();
      // DROP … WITH (FORCE) can fail while an autovacuum or superuser session
      // is in the database for a moment: retry a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await database.drop();
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
      }
    },
  };
}
