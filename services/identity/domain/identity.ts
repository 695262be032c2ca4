import { randomUUID } from "node:crypto";
import { invalidArgument, notFound, resourceExhausted, unauthenticated } from "../../../lib/errors.ts";
import { normaliseEmail } from "./email.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { AccessTokenIssuer, IdentityStore, LoginRateLimiter, NewRefreshToken, ProfileChanges, UserRecord } from "./ports.ts";
import { hashRefreshToken, isRefreshTokenShaped, newRefreshToken, successorRefreshToken } from "./refresh-tokens.ts";

/** A signed-in session: a short-lived access token and the refresh token that renews it. */
export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** Where security-relevant events are reported (a pino logger fits). */
export interface SecurityLog {
  warn(details: object, message: string): void;
}

/** Counts what happens to sign-ins and refreshes (metrics); every method is optional. */
export interface IdentityObserver {
  loginAttempt?(outcome: "success" | "invalid_credentials" | "rate_limited"): void;
  refreshReuse?(): void;
}

export interface IdentityOptions {
  store: IdentityStore;
  hasher: PasswordHasher;
  accessTokens: AccessTokenIssuer;
  rateLimiter: LoginRateLimiter;
  /** Limits sign-ups per client address (slows mass sign-ups and probing which emails have accounts). */
  registrationLimiter?: LoginRateLimiter;
  /** Lifetime of each refresh token; every refresh hands out a new one with a fresh lifetime. */
  refreshTokenTtlSeconds: number;
  /** Secret from which a refresh token's successor is derived (see successorRefreshToken). */
  refreshSecret: Buffer;
  /** A refresh retried this soon with the same token gets the same new pair (default 30 s). */
  refreshRetryGraceMs?: number;
  log: SecurityLog;
  observer?: IdentityObserver;
  now?: () => Date;
}

/** The answer to Login and Register for both an unknown email and a wrong password. */
export const INVALID_CREDENTIALS = "invalid email or password";

/** The identity use cases: accounts, passwords, sessions and profiles. */
export type Identity = ReturnType<typeof createIdentity>;

/**
 * Creates the identity use cases over a store, a password hasher, an access
 * token issuer and a login rate limiter. Errors are AppErrors whose messages
 * are safe to show.
 */
export function createIdentity(options: IdentityOptions) {
  const { store, hasher, accessTokens, rateLimiter, log } = options;
  const now = options.now ?? (() => new Date());
  const observer = options.observer ?? {};

  /** A refresh token; with `familyId`, the first of a new session. */
  const nextRefreshToken = (familyId?: string): { token: string; stored: NewRefreshToken } => {
    const token = newRefreshToken();
    const expiresAt = new Date(now().getTime() + options.refreshTokenTtlSeconds * 1000);
    return { token, stored: familyId ? { tokenHash: hashRefreshToken(token), expiresAt, familyId } : { tokenHash: hashRefreshToken(token), expiresAt } };
  };
  const newSession = () => nextRefreshToken(randomUUID());
  const session = async (user: { id: string; handle: string }, refresh: { token: string; stored: NewRefreshToken }, familyId = refresh.stored.familyId): Promise<Session> => {
    const access = await accessTokens.issue(familyId ? { userId: user.id, handle: user.handle, sessionId: familyId } : { userId: user.id, handle: user.handle });
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token, refreshTokenExpiresAt: refresh.stored.expiresAt };
  };
  const limit = async (account: string, address: string | undefined) => {
    if (!(await rateLimiter.allowAttempt(account, address))) {
      log.warn({ address }, "login rate limit hit");
      observer.loginAttempt?.("rate_limited");
      throw resourceExhausted("too many sign-in attempts; try again later");
    }
  };

  return {
    /** Creates an account (email normalised; display name defaults to the handle) and signs it in. */
    async register(input: { email: string; handle: string; password: string; displayName: string; address: string | undefined }): Promise<{ user: UserRecord; session: Session }> {
      const email = normaliseEmail(input.email);
      if (options.registrationLimiter && !(await options.registrationLimiter.allowAttempt(email, input.address))) {
        log.warn({ address: input.address }, "registration rate limit hit");
        throw resourceExhausted("too many sign-ups from this address; try again later");
      }
      const passwordHash = await hasher.hash(input.password);
      const refresh = newSession();
      const user = await store.createUser({ email, handle: input.handle, displayName: input.displayName.trim() || input.handle, passwordHash }, refresh.stored);
      return { user, session: await session(user, refresh) };
    },

    /**
     * Signs in. Attempts are counted per account and per client address before
     * any password work; an unknown email spends the same hashing time as a
     * wrong password and gets the same error.
     */
    async login(input: { email: string; password: string; address: string | undefined }): Promise<{ user: UserRecord; session: Session }> {
      const email = normaliseEmail(input.email);
      await limit(email, input.address);
      const user = await store.findUserByEmail(email);
      const ok = user ? await hasher.verify(input.password, user.passwordHash) : await hasher.verifyDummy(input.password);
      if (!user || !ok) {
        observer.loginAttempt?.("invalid_credentials");
        throw unauthenticated(INVALID_CREDENTIALS);
      }
      if (hasher.needsRehash(user.passwordHash)) {
        await store.upgradePasswordHash(user.id, user.passwordHash, await hasher.hash(input.password));
      }
      const refresh = newSession();
      await store.startFamily(user.id, refresh.stored);
      observer.loginAttempt?.("success");
      return { user, session: await session(user, refresh) };
    },

    /** Exchanges a live refresh token for a new session; a reused token revokes its family. */
    async refresh(refreshToken: string): Promise<Session> {
      const invalid = () => unauthenticated("invalid or expired refresh token");
      if (!isRefreshTokenShaped(refreshToken)) throw invalid();
      // Derived, not random: a retry of this refresh (its answer was lost) gets the same refresh token back.
      const successor = successorRefreshToken(refreshToken, options.refreshSecret);
      const next = { token: successor, stored: { tokenHash: hashRefreshToken(successor), expiresAt: new Date(now().getTime() + options.refreshTokenTtlSeconds * 1000) } };
      const result = await store.rotate(hashRefreshToken(refreshToken), next.stored, options.refreshRetryGraceMs ?? 30_000);
      if (result.outcome === "reused") {
        log.warn({ userId: result.userId, familyId: result.familyId }, "refresh token reused: family revoked");
        observer.refreshReuse?.();
        throw invalid();
      }
      if (result.outcome === "invalid") throw invalid();
      return session({ id: result.userId, handle: result.handle }, next, result.familyId);
    },

    /** Revokes the session (the token's whole family). Unknown tokens are ignored: logging out is idempotent. */
    async logout(refreshToken: string): Promise<void> {
      if (!isRefreshTokenShaped(refreshToken)) return;
      await store.revokeFamilyOf(hashRefreshToken(refreshToken));
    },

    /** A user's profile; the email is included only when the caller is that user. */
    async getProfile(callerId: string | undefined, userId: string): Promise<{ user: UserRecord; isOwner: boolean }> {
      const user = await store.findUserById(userId);
      if (!user) throw notFound("user not found");
      return { user, isOwner: callerId === user.id };
    },

    /** Applies profile changes to the caller's own account. */
    async updateProfile(callerId: string, changes: ProfileChanges): Promise<UserRecord> {
      const user = await store.updateProfile(callerId, changes);
      if (!user) throw notFound("user not found");
      return user;
    },

    /** Ended sessions for token verifiers, after a cursor (see IdentityStore.listRevokedSessions). */
    listRevokedSessions(after: bigint) {
      return store.listRevokedSessions(after, 500);
    },

    /**
     * Deletes the caller's account after checking its password again (attempts
     * count against the account's sign-in limit). Every session ends at once;
     * what the account owned is deleted by the catalog on account.deleted.
     */
    async deleteAccount(callerId: string, password: string, address: string | undefined): Promise<void> {
      const user = await store.findUserById(callerId);
      if (!user) throw unauthenticated();
      await limit(user.email, address);
      if (!(await hasher.verify(password, user.passwordHash))) throw invalidArgument("password: incorrect password");
      await store.deleteUser(user.id);
      log.warn({ userId: user.id }, "account deleted");
    },

    /**
     * Replaces the caller's password after checking the current one (attempts
     * count against the account's sign-in limit), revokes every session, and
     * starts a new one.
     */
    async changePassword(callerId: string, currentPassword: string, newPassword: string, address: string | undefined): Promise<Session> {
      const user = await store.findUserById(callerId);
      if (!user) throw unauthenticated();
      await limit(user.email, address);
      if (!(await hasher.verify(currentPassword, user.passwordHash))) throw invalidArgument("current_password: incorrect password");
      const refresh = newSession();
      await store.changePassword(user.id, await hasher.hash(newPassword), refresh.stored);
      return session(user, refresh);
    },
  };
}
