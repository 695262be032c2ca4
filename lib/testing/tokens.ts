import { createTokenIssuer, createTokenVerifier, generateSigningKey, type Caller, type TokenVerifier } from "../auth/index.ts";

/**
 * A real ES256 key pair for tests of services that verify access tokens
 * without running the identity service: the same signing and verification
 * code, with the JWKS handed over directly instead of over gRPC.
 */
export async function createTestTokens(): Promise<{ verifier: TokenVerifier; tokenFor(caller: Caller): Promise<string> }> {
  const key = await generateSigningKey();
  const issuer = createTokenIssuer({ keys: [key], ttlSeconds: 300 });
  return {
    verifier: createTokenVerifier({ loadJwks: async () => issuer.jwks() }),
    async tokenFor(caller) {
      return (await issuer.issue(caller)).token;
    },
  };
}
