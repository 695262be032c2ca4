import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey } from "../../lib/auth/index.ts";
import { createServiceClient } from "../../lib/grpc/index.ts";
import { createTestDatabase, stackEnv, type TestDatabase } from "../../lib/testing/index.ts";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { newAccount } from "./testing.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("identity_main");
});
afterAll(() => db.drop());

function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe("identity main", () => {
  it("applies migrations, serves, and stops gracefully on SIGTERM", async () => {
    const key = await generateSigningKey();
    const { child, output } = startMain({
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv().redisUrl,
      KAFKA_BROKERS: stackEnv().kafkaBrokers.join(","),
      INTERNAL_SERVICE_KEYS: "k".repeat(32),
      IDENTITY_SIGNING_KEYS: JSON.stringify([key.privateJwk]),
      IDENTITY_GRPC_PORT: "0",
      IDENTITY_SCRYPT_LOG_N: "10",
    });
    try {
      await expect.poll(output, { timeout: 45_000, interval: 100 }).toContain("identity listening");
      const port = /"port":(\d+)/.exec(output().split("\n").find((line) => line.includes("identity listening")) ?? "")?.[1];
      expect(output()).toContain("001_users_and_refresh_tokens.sql");
      const client = createServiceClient(IdentityService, { address: `127.0.0.1:${port}` });
      const registered = await client.register(newAccount("main"));
      expect(registered.user!.id).toBeTruthy();
      expect(JSON.parse((await client.getJwks({})).jwksJson)).toMatchObject({ keys: [{ kid: key.kid }] });
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(output()).toContain('"msg":"stopped"');
  }, 60_000);

  it("refuses to start without signing keys, naming the variable (exit 78) and printing no secret", async () => {
    const { child, output } = startMain({ DATABASE_URL: db.url, REDIS_URL: stackEnv().redisUrl, KAFKA_BROKERS: stackEnv().kafkaBrokers.join(","), IDENTITY_SIGNING_KEYS: '[{"d":"TOPSECRET"' });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(78);
    expect(output()).toContain("IDENTITY_SIGNING_KEYS");
    expect(output()).not.toContain("TOPSECRET");
  }, 60_000);
});
