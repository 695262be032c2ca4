import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "./config.ts";

const base = { IDENTITY_ADDR: "a:1", CATALOG_ADDR: "b:1", UPLOAD_ADDR: "c:1", PLAYBACK_ADDR: "d:1", REDIS_URL: "redis://127.0.0.1:6390", INTERNAL_SERVICE_KEYS: "k".repeat(32) };

describe("gateway config", () => {
  it("serves <repo>/web/dist by default, another folder when told, none when empty", () => {
    const config = loadGatewayConfig(base);
    expect(config.GATEWAY_WEB_DIR).toMatch(/\/web\/dist$/);
    expect(existsSync(join(config.GATEWAY_WEB_DIR!, "..", "..", "gateway", "config.ts"))).toBe(true);
    expect(loadGatewayConfig({ ...base, GATEWAY_WEB_DIR: "/srv/web" }).GATEWAY_WEB_DIR).toBe("/srv/web");
    expect(loadGatewayConfig({ ...base, GATEWAY_WEB_DIR: "" }).GATEWAY_WEB_DIR).toBeUndefined();
  });

  it("reads the edge's public URL for the web app, refusing a bad one by name", () => {
    expect(loadGatewayConfig(base).PLAYBACK_PUBLIC_URL).toBe("http://127.0.0.1:8081");
    expect(loadGatewayConfig({ ...base, PLAYBACK_PUBLIC_URL: "https://media.example.org" }).PLAYBACK_PUBLIC_URL).toBe("https://media.example.org");
    expect(() => loadGatewayConfig({ ...base, PLAYBACK_PUBLIC_URL: "not a url" })).toThrow(/PLAYBACK_PUBLIC_URL/);
  });

  it("trusts no proxy by default, and refuses a trusted-proxy entry that is not an address or subnet", () => {
    expect(loadGatewayConfig(base).GATEWAY_TRUSTED_PROXIES).toEqual([]);
    expect(loadGatewayConfig({ ...base, GATEWAY_TRUSTED_PROXIES: "10.0.0.0/8,192.0.2.1" }).GATEWAY_TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "192.0.2.1"]);
    expect(() => loadGatewayConfig({ ...base, GATEWAY_TRUSTED_PROXIES: "ingress" })).toThrow(/GATEWAY_TRUSTED_PROXIES/);
  });
});
