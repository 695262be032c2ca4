import { create } from "@bufbuild/protobuf";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  ChangePasswordResponseSchema,
  IdentityService,
  LoginResponseSchema,
  LogoutRequestSchema,
  RefreshRequestSchema,
  RefreshResponseSchema,
  RegisterResponseSchema,
  type Session,
} from "../gen/xtream/identity/v1/identity_service_pb.js";
import { REQUEST_OVER_TLS } from "./context.ts";

/** The request header by which a browser asks for its refresh token in a cookie. */
export const SESSION_MODE_HEADER = "x-xtream-session";
/** The HttpOnly cookie that holds a browser's refresh token. */
export const REFRESH_COOKIE = "xtream_refresh";
/** The cookie goes back only to IdentityService's methods, never to anything else. */
const COOKIE_PATH = `/${IdentityService.typeName}/`;

type Identity = ServiceImpl<typeof IdentityService>;

/**
 * Wraps IdentityService's forwarding implementation so a browser never holds
 * its refresh token where scripts can read it. When a request to Register,
 * Login, Refresh, ChangePassword (the methods that hand out a session) carries
 * `x-xtream-session: cookie`, the refresh token goes into an HttpOnly,
 * SameSite=Strict cookie scoped to IdentityService's path (Secure over TLS or
 * behind a proxy that says https) and is blanked in the response body.
 * Refresh and Logout with that header and an empty refresh_token read it from
 * the cookie; Logout, and a Refresh whose cookie was refused, clear it.
 * Without the header nothing changes: gRPC and Connect clients keep getting
 * the token in the body.
 *
 * CSRF: the custom header makes every such call a CORS preflighted request,
 * and SameSite=Strict keeps the cookie off cross-site requests; the gateway
 * allows credentials only for origins it names (never for "*").
 */
export function withSessionCookies(forwarding: Identity): Identity {
  return {
    ...forwarding,
    // create() returns the forwarded message itself (it already is one); it only gives it its type.
    async register(request, context) {
      return issue(create(RegisterResponseSchema, await forwarding.register(request, context)), context);
    },
    async login(request, context) {
      return issue(create(LoginResponseSchema, await forwarding.login(request, context)), context);
    },
    async changePassword(request, context) {
      return issue(create(ChangePasswordResponseSchema, await forwarding.changePassword(request, context)), context);
    },
    async refresh(request, context) {
      const renew = async (input: typeof request) => issue(create(RefreshResponseSchema, await forwarding.refresh(input, context)), context);
      if (!cookieMode(context) || request.refreshToken !== "") return renew(request);
      const token = readCookie(context.requestHeader.get("cookie"), REFRESH_COOKIE);
      if (!token) throw new ConnectError("not signed in (no session cookie)", Code.Unauthenticated);
      try {
        return await renew(create(RefreshRequestSchema, { refreshToken: token }));
      } catch (err) {
        // A refused token (used, revoked, expired) will never work again: drop it.
        if (ConnectError.from(err).code === Code.Unauthenticated) context.responseHeader.append("set-cookie", clearCookie(context));
        throw err;
      }
    },
    async deleteAccount(request, context) {
      const response = await forwarding.deleteAccount(request, context);
      // The account's sessions are gone with it.
      if (cookieMode(context)) context.responseHeader.append("set-cookie", clearCookie(context));
      return response;
    },
    async logout(request, context) {
      if (!cookieMode(context)) return forwarding.logout(request, context);
      context.responseHeader.append("set-cookie", clearCookie(context));
      const token = request.refreshToken || readCookie(context.requestHeader.get("cookie"), REFRESH_COOKIE);
      // Signing out without a session is already done.
      if (!token) return {};
      return forwarding.logout(create(LogoutRequestSchema, { refreshToken: token }), context);
    },
  };
}

function cookieMode(context: HandlerContext): boolean {
  return context.requestHeader.get(SESSION_MODE_HEADER)?.trim().toLowerCase() === "cookie";
}

/** In cookie mode, moves the response's refresh token into the cookie. */
function issue<R extends { session?: Session }>(response: R, context: HandlerContext): R {
  const session = response.session;
  if (!cookieMode(context) || !session?.refreshToken) return response;
  const maxAge = secondsUntil(session.refreshTokenExpireTime);
  context.responseHeader.append("set-cookie", cookie(context, session.refreshToken, maxAge));
  session.refreshToken = "";
  return response;
}

function secondsUntil(time: Timestamp | undefined): number {
  if (!time) return 0;
  return Math.max(0, Math.floor((timestampMs(time) - Date.now()) / 1000));
}

function cookie(context: HandlerContext, value: string, maxAge: number): string {
  return [`${REFRESH_COOKIE}=${value}`, "HttpOnly", "SameSite=Strict", `Path=${COOKIE_PATH}`, `Max-Age=${maxAge}`, ...(isSecure(context) ? ["Secure"] : [])].join("; ");
}

function clearCookie(context: HandlerContext): string {
  return cookie(context, "", 0);
}

/** Over TLS, or behind a proxy that terminated https (its X-Forwarded-Proto; a lie only loses the caller its cookie). */
function isSecure(context: HandlerContext): boolean {
  if (context.values.get(REQUEST_OVER_TLS)) return true;
  return context.requestHeader.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const index = pair.indexOf("=");
    if (index < 0 || pair.slice(0, index).trim() !== name) continue;
    const value = pair.slice(index + 1).trim().replace(/^"(.*)"$/, "$1");
    return value || undefined;
  }
  return undefined;
}
