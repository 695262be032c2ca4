/** Access tokens: issuing (identity), verifying (every service) and reading the caller from a request. */
export { createTokenIssuer, createTokenVerifier, generateSigningKey, publicJwks, ACCESS_TOKEN_ALG } from "./tokens.ts";
export type { Caller, SigningKey, TokenVerifier, TokenIssuerOptions, TokenVerifierOptions } from "./tokens.ts";
export { optionalCaller, requireCaller } from "./caller.ts";
export { identityTokenVerifier, jwksFromIdentity } from "./identity-jwks.ts";
export { createServiceKeyCheck, sendServiceKey, SERVICE_KEY_HEADER } from "./service-key.ts";
export { createRevocationList, revocationsFromIdentity } from "./revocations.ts";
export type { RevocationList, RevocationListOptions, RevocationPage } from "./revocations.ts";
