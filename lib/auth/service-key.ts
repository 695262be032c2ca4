import { createHash, timingSafeEqual } from "node:crypto";
import type { HandlerContext, Interceptor } from "@connectrpc/connect";
import { permissionDenied } from "../errors.ts";

/**
 * The header that carries a service credential between internal services.
 * The gateway never forwards it: both its paths copy an allow-list of request
 * headers (gateway/proxy.ts, gateway/grpc-passthrough.ts), so a caller from
 * outside cannot present one, and could not know its value anyway.
 */
export const SERVICE_KEY_HEADER = "x-xtream-service-key";

/** Adds the service credential (the first, current key) to every call of a client. */
export function sendServiceKey(key: string): Interceptor {
  return (next) => async (request) => {
    request.header.set(SERVICE_KEY_HEADER, key);
    return next(request);
  };
}

/**
 * A check for RPCs only other services may call (catalog's CreateVideo: the
 * upload service alone creates videos). `keys` are the accepted credentials,
 * current first (several during a rotation); comparison takes the same time
 * whatever the value. A call without a matching key is PERMISSION_DENIED with
 * `refusal` as the message.
 */
export function createServiceKeyCheck(keys: readonly string[], refusal: string): (context: Pick<HandlerContext, "requestHeader">) => void {
  const digests = keys.map(digest);
  return (context) => {
    const presented = context.requestHeader.get(SERVICE_KEY_HEADER);
    if (presented) {
      const candidate = digest(presented);
      // Every key is compared, so the time does not tell which one matched.
      let match = false;
      for (const known of digests) match = timingSafeEqual(known, candidate) || match;
      if (match) return;
    }
    throw permissionDenied(refusal);
  };
}

// Hashing first gives equal-length buffers for timingSafeEqual whatever was sent.
const digest = (value: string) => createHash("sha256").update(value).digest();
