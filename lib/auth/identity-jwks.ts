import type { JSONWebKeySet } from "jose";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { createServiceClient } from "../grpc/client.ts";
import { createRevocationList, revocationsFromIdentity } from "./revocations.ts";
import { createTokenVerifier, type TokenVerifier } from "./tokens.ts";

/** A JWKS loader that asks the identity service over gRPC. */
export function jwksFromIdentity(address: string): () => Promise<JSONWebKeySet> {
  const client = createServiceClient(IdentityService, { address });
  return async () => JSON.parse((await client.getJwks({})).jwksJson) as JSONWebKeySet;
}

/**
 * The verifier every service uses: keys from identity's JWKS, and the
 * sessions identity has ended (polled every 2 s), so a token of a signed-out
 * session is refused within seconds instead of at its expiry.
 */
export function identityTokenVerifier(address: string): TokenVerifier {
  return createTokenVerifier({ loadJwks: jwksFromIdentity(address), revocations: createRevocationList({ load: revocationsFromIdentity(address) }) });
}
