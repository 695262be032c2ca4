/**
 * The identity domain's ports: what it needs from storage and rate limiting.
 * Adapters (PostgreSQL, Redis) implement them; the domain never imports pg or
 * ioredis.
 */

/** An account as stored. */
export interface UserRecord {
  id: string;
  email: string;
  handle: string;
  displayName: string;
  bio: string;
  avatarUrl: string;
  passwordHash: string;
  createdAt: Date;
}

/** A refresh token to store: only its SHA-256, never the token itself. */
export interface NewRefreshToken {
  tokenHash: Buffer;
  expiresAt: Date;
  /** The id of the family (session) a token starting one gets; the `sid` of its access tokens. */
  familyId?: string;
}

/** The profile fields a user may change; absent fields stay as they are. */
export interface ProfileChanges {
  displayName?: string;
  bio?: string;
  avatarUrl?: string;
}

/** What rotating a refresh token came to. */
export type RotateOutcome =
  /** The token was live: it is now used and `next` is the family's live token. */
  | { outcome: "rotated"; userId: string; handle: string; familyId: string }
  /** The token had already been used: the whole family is now revoked. */
  | { outcome: "reused"; userId: string; familyId: string }
  /** Unknown, expired, or its family was revoked. */
  | { outcome: "invalid" };

/** Accounts and refresh-token families. Every method is atomic. */
export interface IdentityStore {
  /** Creates the account and its first refresh-token family; throws AppError already_exists naming email or handle. */
  createUser(user: { email: string; handle: string; displayName: string; passwordHash: string }, firstToken: NewRefreshToken): Promise<UserRecord>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /** Applies profile changes; undefined when the user does not exist. */
  updateProfile(id: string, changes: ProfileChanges): Promise<UserRecord | undefined>;
  /** Replaces a hash with a stronger one after a successful login (no session change). */
  upgradePasswordHash(id: string, oldHash: string, newHash: string): Promise<void>;
  /** Sets a new password hash, revokes every family of the user, and starts a new one with firstToken. */
  changePassword(id: string, newHash: string, firstToken: NewRefreshToken): Promise<void>;
  /** Starts a new refresh-token family (a login). */
  startFamily(userId: string, firstToken: NewRefreshToken): Promise<void>;
  /**
   * Rotates the token whose hash is presentedHash; see RotateOutcome. A token
   * used less than `graceMs` ago whose successor (`next`, derived from it) is
   * still unused is a retry: it rotates again to that same successor instead
   * of counting as reuse.
   */
  rotate(presentedHash: Buffer, next: NewRefreshToken, graceMs: number): Promise<RotateOutcome>;
  /** Revokes the family of the token whose hash is given; false when there is no such token. */
  revokeFamilyOf(tokenHash: Buffer): Promise<boolean>;
  /**
   * Deletes the account and every session of it, and stores account.deleted
   * (the catalog deletes what it owned) in the same transaction; false when
   * there was no such account.
   */
  deleteUser(id: string): Promise<boolean>;
  /** Sessions revoked after `after` (a sequence number) whose access tokens may still be live, oldest first. */
  listRevokedSessions(after: bigint, limit: number): Promise<{ sessions: { familyId: string; expiresAt: Date }[]; cursor: bigint }>;
}

/** Counts login attempts in a window and says whether one more is allowed. */
export interface LoginRateLimiter {
  /**
   * Records an attempt for the account (normalised email) and the client
   * address; resolves false when either is over its limit.
   */
  allowAttempt(account: string, address: string | undefined): Promise<boolean>;
}

/** Signs short-lived access tokens. */
export interface AccessTokenIssuer {
  issue(caller: { userId: string; handle: string; sessionId?: string }): Promise<{ token: string; expiresAt: Date }>;
}
