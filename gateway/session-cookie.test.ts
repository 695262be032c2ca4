import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../gen/xtream/identity/v1/identity_service_pb.js";
import { createLogger } from "../lib/logger.ts";
import { createIdentityHarness, newAccount, type IdentityHarness } from "../services/identity/testing.ts";
import { createGateway, decoratedBackend, type Gateway } from "./server.ts";
import { readCookie, withSessionCookies } from "./session-cookie.ts";

const logger = createLogger("session-cookie-test", "silent");
const PATH = "/xtream.identity.v1.IdentityService";
let harness: IdentityHarness;
let gateway: Gateway;
let openGateway: Gateway;
let baseUrl: string;
let openUrl: string;

beforeAll(async () => {
  harness = await createIdentityHarness();
  const identity = await harness.start();
  const backends = [decoratedBackend(IdentityService, identity.address, withSessionCookies)];
  gateway = createGateway({ backends, logger, corsOrigins: ["https://app.example"] });
  baseUrl = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
  openGateway = createGateway({ backends, logger, corsOrigins: ["*"] });
  openUrl = `http://127.0.0.1:${await openGateway.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await gateway.close(500);
  await openGateway.close(500);
  await harness.close();
});

interface Call {
  status: number;
  body: Record<string, unknown> & { session?: Record<string, string>; code?: string };
  cookies: string[];
}

/** A Connect-protocol (JSON) unary call over HTTP/1.1, as a browser's fetch makes it. */
async function call(method: string, body: object, headers: Record<string, string> = {}): Promise<Call> {
  const response = await fetch(`${baseUrl}${PATH}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Call["body"], cookies: response.headers.getSetCookie() };
}

const browser = { "x-xtream-session": "cookie" };
const cookieHeader = (setCookie: string) => ({ ...browser, cookie: `theme=dark; ${setCookie.split(";")[0]}` });
const tokenOf = (setCookie: string) => readCookie(setCookie.split(";")[0]!, "xtream_refresh");

function expectSessionCookie(setCookie: string | undefined) {
  expect(setCookie).toBeDefined();
  const [pair, ...attributes] = setCookie!.split("; ");
  expect(pair).toMatch(/^xtream_refresh=xrt_[A-Za-z0-9_-]{43}$/);
  expect(attributes).toContain("HttpOnly");
  expect(attributes).toContain("SameSite=Strict");
  expect(attributes).toContain(`Path=${PATH}/`);
  expect(attributes).not.toContain("Secure");
  // The harness issues refresh tokens for an hour.
  const maxAge = Number(attributes.find((attribute) => attribute.startsWith("Max-Age="))!.slice("Max-Age=".length));
  expect(maxAge).toBeGreaterThan(3590);
  expect(maxAge).toBeLessThanOrEqual(3600);
}

describe("refresh tokens in an HttpOnly cookie for browsers", () => {
  it("Register and Login with x-xtream-session: cookie set the cookie and leave the token out of the body", async () => {
    const account = newAccount("cookie");
    const registered = await call("Register", account, browser);
    expect(registered.status).toBe(200);
    expect(registered.cookies).toHaveLength(1);
    expectSessionCookie(registered.cookies[0]);
    expect(registered.body.session?.accessToken).toMatch(/^ey/);
    expect(registered.body.session?.refreshTokenExpireTime).toBeDefined();
    expect(registered.body.session?.refreshToken ?? "").toBe("");
    expect(JSON.stringify(registered.body)).not.toContain("xrt_");

    const loggedIn = await call("Login", { email: account.email, password: account.password }, browser);
    expectSessionCookie(loggedIn.cookies[0]);
    expect(JSON.stringify(loggedIn.body)).not.toContain("xrt_");
    expect(tokenOf(loggedIn.cookies[0]!)).not.toBe(tokenOf(registered.cookies[0]!));
  });

  it("Refresh reads the cookie and rotates it; once the session moved on, the old cookie fails, is cleared, and revokes the family", async () => {
    const account = newAccount("rotate");
    const first = (await call("Register", account, browser)).cookies[0]!;
    const refreshed = await call("Refresh", {}, cookieHeader(first));
    expect(refreshed.status).toBe(200);
    expectSessionCookie(refreshed.cookies[0]);
    const second = refreshed.cookies[0]!;
    expect(tokenOf(second)).not.toBe(tokenOf(first));
    expect(refreshed.body.session?.accessToken).toMatch(/^ey/);
    expect(JSON.stringify(refreshed.body)).not.toContain("xrt_");
    // Retried at once (the answer was lost): the same new cookie.
    const retried = await call("Refresh", {}, cookieHeader(first));
    expect(retried.status).toBe(200);
    expect(tokenOf(retried.cookies[0]!)).toBe(tokenOf(second));
    // The browser moves on with the new cookie; the old one coming back now is reuse.
    const third = (await call("Refresh", {}, cookieHeader(second))).cookies[0]!;

    const reused = await call("Refresh", {}, cookieHeader(first));
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("unauthenticated");
    expect(reused.cookies).toEqual([`xtream_refresh=; HttpOnly; SameSite=Strict; Path=${PATH}/; Max-Age=0`]);
    // Reuse revoked the whole family, the newest cookie with it.
    expect((await call("Refresh", {}, cookieHeader(third))).status).toBe(401);
  });

  it("Logout revokes the cookie's token and clears the cookie; without a cookie it just clears", async () => {
    const account = newAccount("logout");
    const session = (await call("Register", account, browser)).cookies[0]!;
    const out = await call("Logout", {}, cookieHeader(session));
    expect(out.status).toBe(200);
    expect(out.cookies).toEqual([`xtream_refresh=; HttpOnly; SameSite=Strict; Path=${PATH}/; Max-Age=0`]);
    expect((await call("Refresh", {}, cookieHeader(session))).status).toBe(401);
    const again = await call("Logout", {}, browser);
    expect(again.status).toBe(200);
    expect(again.cookies[0]).toMatch(/Max-Age=0/);
  });

  it("a Refresh with no cookie is UNAUTHENTICATED; ChangePassword moves its new token into the cookie", async () => {
    const missing = await call("Refresh", {}, browser);
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe("unauthenticated");

    const account = newAccount("chpw");
    const registered = await call("Register", account, browser);
    const changed = await call(
      "ChangePassword",
      { currentPassword: account.password, newPassword: `${account.password}-new` },
      { ...browser, authorization: `Bearer ${registered.body.session!.accessToken}` },
    );
    expect(changed.status).toBe(200);
    expectSessionCookie(changed.cookies[0]);
    expect(JSON.stringify(changed.body)).not.toContain("xrt_");
    expect((await call("Refresh", {}, cookieHeader(changed.cookies[0]!))).status).toBe(200);
  });

  it("marks the cookie Secure behind a proxy that terminated https", async () => {
    const registered = await call("Register", newAccount("secure"), { ...browser, "x-forwarded-proto": "https" });
    expect(registered.cookies[0]!.split("; ")).toContain("Secure");
  });

  it("changes nothing without the header: the token stays in the body, no cookie, and a cookie is not read", async () => {
    const account = newAccount("plain");
    const registered = await call("Register", account);
    expect(registered.cookies).toEqual([]);
    expect(registered.body.session?.refreshToken).toMatch(/^xrt_/);
    const cookie = (await call("Login", { email: account.email, password: account.password }, browser)).cookies[0]!;
    const withoutHeader = await call("Refresh", {}, { cookie: cookie.split(";")[0]! });
    expect(withoutHeader.status).toBe(400);
    expect(withoutHeader.body.code).toBe("invalid_argument");
    // A connect-node client (Connect protocol) sees the API as before.
    const client = createClient(IdentityService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    const refreshed = await client.refresh({ refreshToken: registered.body.session!.refreshToken! });
    expect(refreshed.session?.refreshToken).toMatch(/^xrt_/);
  });

  it("lets browsers send the header, and credentials only from origins it names", async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}${PATH}/Refresh`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-xtream-session" },
      });
    const named = await preflight(baseUrl, "https://app.example");
    expect(named.status).toBe(204);
    expect(named.headers.get("access-control-allow-headers")!.toLowerCase().split(/,\s*/)).toContain("x-xtream-session");
    expect(named.headers.get("access-control-allow-credentials")).toBe("true");
    const stranger = await preflight(baseUrl, "https://evil.example");
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    expect(stranger.headers.get("access-control-allow-credentials")).toBeNull();
    // "*" lets any origin call, but never with credentials.
    const anyOrigin = await preflight(openUrl, "https://evil.example");
    expect(anyOrigin.headers.get("access-control-allow-origin")).toBe("https://evil.example");
    expect(anyOrigin.headers.get("access-control-allow-credentials")).toBeNull();
  });
});
