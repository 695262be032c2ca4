import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createGateway, type Gateway } from "../../gateway/server.ts";
import { createLogger } from "../logger.ts";
import { codeOf, createEchoService } from "../testing/index.ts";
import { createGrpcServer, registerService, type GrpcServer } from "./server.ts";

// Request bodies are limited to what the RPCs need: 1 MiB by default on the
// services and the gateway; a backend that needs more (UploadService's
// PutChunk) says so. Large bodies are refused before anything is forwarded.
const logger = createLogger("request-limit-test", "silent");
const MiB = 1024 * 1024;
let small: GrpcServer;
let large: GrpcServer;
let gateway: Gateway;
let gatewayUrl: string;
let smallAddress: string;
let largeAddress: string;

beforeAll(async () => {
  small = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  smallAddress = `127.0.0.1:${await small.listen("127.0.0.1", 0)}`;
  large = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger, maxMessageBytes: 4 * MiB });
  largeAddress = `127.0.0.1:${await large.listen("127.0.0.1", 0)}`;
  gateway = createGateway({ backends: [{ service: EchoService, address: largeAddress }], logger, corsOrigins: [] });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
});
afterAll(async () => {
  await gateway?.close(500);
  await small?.shutdown(500);
  await large?.shutdown(500);
});

describe("request size limits", () => {
  it("a service refuses a request over 1 MiB by default (RESOURCE_EXHAUSTED) and serves one under it", async () => {
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: `http://${smallAddress}` }));
    expect(await codeOf(client.echo({ message: "x".repeat(2 * MiB) }))).toBe(Code.ResourceExhausted);
    await expect(client.echo({ message: "x".repeat(MiB - 1024) })).resolves.toBeDefined();
    const roomy = createClient(EchoService, createGrpcTransport({ baseUrl: `http://${largeAddress}` }));
    // Echo's own rule allows 1 Mi characters: INVALID_ARGUMENT means the body got past the size limit and was decoded.
    expect(await codeOf(roomy.echo({ message: "x".repeat(2 * MiB) }))).toBe(Code.InvalidArgument);
  });

  it("the gateway refuses a Connect body over its 1 MiB default before forwarding", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" }));
    expect(await codeOf(client.echo({ message: "x".repeat(2 * MiB) }))).toBe(Code.ResourceExhausted);
    await expect(client.echo({ message: "x".repeat(MiB - 1024) })).resolves.toBeDefined();
  });

  it("a backend that allows more (readMaxBytes) gets larger bodies through the gateway", async () => {
    const roomy = createGateway({ backends: [{ service: EchoService, address: largeAddress, readMaxBytes: 4 * MiB }], logger, corsOrigins: [] });
    const url = `http://127.0.0.1:${await roomy.listen("127.0.0.1", 0)}`;
    try {
      const client = createClient(EchoService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
      expect(await codeOf(client.echo({ message: "x".repeat(2 * MiB) }))).toBe(Code.InvalidArgument);
    } finally {
      await roomy.close(500);
    }
  });
});
