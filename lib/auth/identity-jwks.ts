import type { JSONWebKeySet } from "jose";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { createServiceClient } from "../grpc/client.ts";

/** A JWKS loader that asks the identity service over gRPC. */
export function jwksFromIdentity(address: string): () => Promise<JSONWebKeySet> {
  const client = createServiceClient(IdentityService, { address });
  return async () => JSON.parse((await client.getJwks({})).jwksJson) as JSONWebKeySet;
}
