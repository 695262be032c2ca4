import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { createServiceKeyCheck, requireCaller, optionalCaller, type TokenVerifier } from "../../../lib/auth/index.ts";
import { peerAddress } from "../../../lib/grpc/index.ts";
import type { IdentityService, SessionSchema, UserSchema } from "../../../gen/xtream/identity/v1/identity_service_pb.js";
import type { Identity, Session } from "../domain/identity.ts";
import type { UserRecord } from "../domain/ports.ts";
import { profileChangesFromMask } from "../domain/profile-mask.ts";

export interface IdentityHandlersOptions {
  identity: Identity;
  /** Verifies access tokens (identity verifies its own, with its own keys). */
  verifier: TokenVerifier;
  /** The JWKS document GetJwks publishes. */
  jwksJson: () => string;
  /** Whether x-forwarded-for (set by the gateway) names the client; otherwise the transport peer does. */
  trustForwardedFor: boolean;
  /**
   * When set, x-forwarded-for is believed only on calls that carry one of
   * these service credentials (x-xtream-service-key, which only the gateway
   * sends): anyone else reaching identity directly is counted by the peer.
   */
  serviceKeys?: readonly string[];
}

/** IdentityService handlers: protobuf requests to identity use cases and back. */
export function createIdentityHandlers(options: IdentityHandlersOptions): ServiceImpl<typeof IdentityService> {
  const { identity, verifier } = options;
  const fromGateway = options.serviceKeys ? createServiceKeyCheck(options.serviceKeys, "") : undefined;
  const trusted = (context: HandlerContext) => {
    if (!options.trustForwardedFor) return false;
    if (!fromGateway) return true;
    try {
      fromGateway(context);
      return true;
    } catch {
      return false;
    }
  };
  const clientAddress = (context: HandlerContext): string | undefined => {
    if (trusted(context)) {
      // The last entry is the one our gateway added: earlier ones are the client's own claims.
      const forwarded = context.requestHeader.get("x-forwarded-for")?.split(",").map((part) => part.trim()).filter(Boolean).at(-1);
      if (forwarded) return forwarded.slice(0, 64);
    }
    return peerAddress(context);
  };

  return {
    async register(request, context) {
      const { user, session } = await identity.register({
        email: request.email,
        handle: request.handle,
        password: request.password,
        displayName: request.displayName,
        address: clientAddress(context),
      });
      return { user: toUser(user, true), session: toSession(session) };
    },

    async login(request, context) {
      const { user, session } = await identity.login({ email: request.email, password: request.password, address: clientAddress(context) });
      return { user: toUser(user, true), session: toSession(session) };
    },

    async refresh(request) {
      return { session: toSession(await identity.refresh(request.refreshToken)) };
    },

    async logout(request) {
      await identity.logout(request.refreshToken);
      return {};
    },

    async getProfile(request, context) {
      const caller = request.userId === "" ? await requireCaller(context, verifier) : await optionalCaller(context, verifier);
      const { user, isOwner } = await identity.getProfile(caller?.userId, request.userId || caller!.userId);
      return { user: toUser(user, isOwner) };
    },

    async updateProfile(request, context) {
      const caller = await requireCaller(context, verifier);
      // protovalidate has already required profile and update_mask.
      const changes = profileChangesFromMask(request.profile!, request.updateMask!.paths);
      return { user: toUser(await identity.updateProfile(caller.userId, changes), true) };
    },

    async changePassword(request, context) {
      const caller = await requireCaller(context, verifier);
      const session = await identity.changePassword(caller.userId, request.currentPassword, request.newPassword, clientAddress(context));
      return { session: toSession(session) };
    },

    async deleteAccount(request, context) {
      const caller = await requireCaller(context, verifier);
      await identity.deleteAccount(caller.userId, request.password, clientAddress(context));
      return {};
    },

    async listRevokedSessions(request) {
      const page = await identity.listRevokedSessions(request.after);
      return { cursor: page.cursor, sessions: page.sessions.map((session) => ({ sessionId: session.familyId, expireTime: timestampFromDate(session.expiresAt) })) };
    },

    async getJwks() {
      return { jwksJson: options.jwksJson() };
    },
  };
}

/** A user as the API shows it: the email only to its owner; never the password hash. */
function toUser(user: UserRecord, includeEmail: boolean): MessageInitShape<typeof UserSchema> {
  return {
    id: user.id,
    email: includeEmail ? user.email : "",
    handle: user.handle,
    displayName: user.displayName,
    bio: user.bio,
    avatarUrl: user.avatarUrl,
    createTime: timestampFromDate(user.createdAt),
  };
}

function toSession(session: Session): MessageInitShape<typeof SessionSchema> {
  return {
    accessToken: session.accessToken,
    accessTokenExpireTime: timestampFromDate(session.accessTokenExpiresAt),
    refreshToken: session.refreshToken,
    refreshTokenExpireTime: timestampFromDate(session.refreshTokenExpiresAt),
  };
}
