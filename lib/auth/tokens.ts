import { randomUUID } from "node:crypto";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from "jose";
import { unauthenticated, unavailable } from "../errors.ts";
import type { RevocationList } from "./revocations.ts";

/** Who is calling, as proven by a verified access token. */
export interface Caller {
  userId: string;
  handle: string;
}

/** A private signing key (ES256) and its key id. */
export interface SigningKey {
  kid: string;
  privateJwk: JWK;
}

export const ACCESS_TOKEN_ALG = "ES256";
export const ACCESS_TOKEN_ISSUER = "xtream-identity";
export const ACCESS_TOKEN_AUDIENCE = "xtream";

/** Generates a new ES256 signing key with a random key id. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const kid = randomUUID();
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ACCESS_TOKEN_ALG, use: "sig" } };
}

/** The public half of signing keys, as a JWKS. */
export function publicJwks(keys: SigningKey[]): JSONWebKeySet {
  return {
    keys: keys.map(({ kid, privateJwk }) => {
      const { d: _private, ...publicJwk } = privateJwk;
      return { ...publicJwk, kid, alg: ACCESS_TOKEN_ALG, use: "sig" };
    }),
  };
}

export interface TokenIssuerOptions {
  /** Signing keys, current first; older ones stay in the JWKS so their tokens verify until they expire. */
  keys: SigningKey[];
  ttlSeconds: number;
}

/** Issues short-lived access tokens signed with the current key. */
export function createTokenIssuer(options: TokenIssuerOptions) {
  const current = options.keys[0];
  if (!current) throw new Error("at least one signing key is required");
  const privateKey = importJWK(current.privateJwk, ACCESS_TOKEN_ALG);
  return {
    /** `sessionId` (the `sid` claim) names the sign-in the token belongs to, so ending it can revoke the token. */
    async issue(caller: Caller & { sessionId?: string }): Promise<{ token: string; expiresAt: Date }> {
      const expiresAt = new Date(Date.now() + options.ttlSeconds * 1000);
      const token = await new SignJWT(caller.sessionId ? { handle: caller.handle, sid: caller.sessionId } : { handle: caller.handle })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: current.kid, typ: "at+jwt" })
        .setSubject(caller.userId)
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(await privateKey);
      return { token, expiresAt };
    },
    jwks: () => publicJwks(options.keys),
  };
}

export interface TokenVerifierOptions {
  /** Fetches the identity service's current JWKS. */
  loadJwks(): Promise<JSONWebKeySet>;
  /** How long a fetched JWKS is trusted before re-fetching (default 5 min). */
  cacheMs?: number;
  /** Ended sessions: a token whose `sid` is listed is refused (see revocations.ts). */
  revocations?: RevocationList;
}

/** Verifies access tokens against the identity service's published keys. */
export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

/**
 * Creates a verifier that caches the JWKS and re-fetches it when it is older
 * than cacheMs, or when a token names a key id it has not seen (keys rotated),
 * at most once every 10 seconds. One fetch at a time, whoever asks. Stale keys
 * are refreshed in the background and used meanwhile; when identity cannot be
 * reached they stay in use (retried at most every 5 s), so an identity outage
 * does not sign everyone out: rotated-out keys remain valid only until their
 * tokens expire anyway.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let kids = new Set<string>();
  let fetchedAt = 0;
  let failedAt = 0;
  let refreshing: Promise<void> | undefined;

  // Shared by whoever asks, and often in the background: its own trace, not the asking request's.
  const refresh = () =>
    (refreshing ??= context.with(ROOT_CONTEXT, async () => {
      try {
        const jwks = await options.loadJwks();
        keySet = createLocalJWKSet(jwks);
        kids = new Set(jwks.keys.map((key) => key.kid ?? ""));
        fetchedAt = Date.now();
      } catch (err) {
        failedAt = Date.now();
        throw err;
      } finally {
        refreshing = undefined;
      }
    }));

  return {
    async verify(token) {
      const kid = kidOf(token);
      const now = Date.now();
      const mayRetry = now - failedAt > 5_000;
      if (!keySet) {
        await refresh().catch(() => {
          throw unavailable("sign-in cannot be checked right now; try again shortly");
        });
      } else if (kid !== undefined && !kids.has(kid) && now - fetchedAt > 10_000 && mayRetry) {
        // A key we have not seen: wait for the new set (if identity is down, the old one decides).
        await refresh().catch(() => undefined);
      } else if (now - fetchedAt > (options.cacheMs ?? 300_000) && mayRetry) {
        void refresh().catch(() => undefined);
      }
      let caller: Caller;
      let sessionId: string | undefined;
      try {
        const { payload } = await jwtVerify(token, keySet!, {
          issuer: ACCESS_TOKEN_ISSUER,
          audience: ACCESS_TOKEN_AUDIENCE,
          algorithms: [ACCESS_TOKEN_ALG],
        });
        if (typeof payload.sub !== "string" || typeof payload["handle"] !== "string") throw new Error("claims missing");
        sessionId = typeof payload["sid"] === "string" ? payload["sid"] : undefined;
        caller = { userId: payload.sub, handle: payload["handle"] };
      } catch {
        throw unauthenticated("invalid or expired access token");
      }
      if (sessionId && options.revocations?.isRevoked(sessionId)) throw unauthenticated("this session has ended; sign in again");
      return caller;
    },
  };
}

function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8")) as { kid?: unknown };
    return typeof header.kid === "string" ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
