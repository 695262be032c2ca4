import type { HandlerContext } from "@connectrpc/connect";
import { unauthenticated } from "../errors.ts";
import type { Caller, TokenVerifier } from "./tokens.ts";

/**
 * The caller behind a request's `authorization: Bearer <token>` header, or
 * undefined for an anonymous request. A token that is present but invalid or
 * expired is an error, never silently anonymous.
 */
export async function optionalCaller(context: Pick<HandlerContext, "requestHeader">, verifier: TokenVerifier): Promise<Caller | undefined> {
  const header = context.requestHeader.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthenticated("malformed authorization header");
  return verifier.verify(match[1]);
}

/** Like optionalCaller, but an anonymous request is UNAUTHENTICATED. */
export async function requireCaller(context: Pick<HandlerContext, "requestHeader">, verifier: TokenVerifier): Promise<Caller> {
  const caller = await optionalCaller(context, verifier);
  if (!caller) throw unauthenticated();
  return caller;
}
