import { describe, expect, it } from "vitest";
import { createTokenIssuer, createTokenVerifier, generateSigningKey } from "./tokens.ts";

// The verifier's key cache (pure logic over jose; the JWKS source is a function here).
async function setup() {
  const key = await generateSigningKey();
  const issuer = createTokenIssuer({ keys: [key], ttlSeconds: 300 });
  const { token } = await issuer.issue({ userId: "u1", handle: "ada" });
  return { token, jwks: issuer.jwks() };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the access-token verifier's key cache", () => {
  it("keeps verifying with the keys it has when identity cannot be reached after they went stale", async () => {
    const { token, jwks } = await setup();
    let up = true;
    const verifier = createTokenVerifier({ cacheMs: 50, loadJwks: async () => (up ? jwks : Promise.reject(new Error("identity is down"))) });
    expect(await verifier.verify(token)).toEqual({ userId: "u1", handle: "ada" });
    up = false;
    await sleep(80);
    // An identity outage must not sign everyone out.
    expect(await verifier.verify(token)).toEqual({ userId: "u1", handle: "ada" });
    expect(await verifier.verify(token)).toEqual({ userId: "u1", handle: "ada" });
  });

  it("fetches the keys once for many calls at once (single flight), and fails readably with no keys at all", async () => {
    const { token, jwks } = await setup();
    let loads = 0;
    const verifier = createTokenVerifier({
      loadJwks: async () => {
        loads++;
        await sleep(30);
        return jwks;
      },
    });
    const callers = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));
    expect(callers.every((c) => c.userId === "u1")).toBe(true);
    expect(loads).toBe(1);

    const down = createTokenVerifier({ loadJwks: () => Promise.reject(new Error("identity is down")) });
    await expect(down.verify(token)).rejects.toThrow();
  });
});
