import { randomUUID } from "node:crypto";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { DatabaseError } from "pg";
import { topics } from "../../../lib/kafka/topics.ts";
import { enqueueEvent } from "../../../lib/outbox/index.ts";
import { inTransaction, type Pool, type PoolClient } from "../../../lib/db/index.ts";
import { alreadyExists } from "../../../lib/errors.ts";
import type { IdentityStore, NewRefreshToken, ProfileChanges, RotateOutcome, UserRecord } from "../domain/ports.ts";

interface UserRow {
  id: string;
  email: string;
  handle: string;
  display_name: string;
  bio: string;
  avatar_url: string;
  password_hash: string;
  created_at: Date;
}

const USER_COLUMNS = "id, email, handle, display_name, bio, avatar_url, password_hash, created_at";

/**
 * The identity store on PostgreSQL (schema "identity"). Revocation is per
 * family row, and a refresh locks its family row before reading or adding
 * tokens, so a refresh racing a logout, a reuse or a password change can never
 * leave a live token behind. Lock order (no deadlocks): user, family, token.
 */
/**
 * `revokedForSeconds`: how long a revoked session stays listed for token
 * verifiers; at least the access-token lifetime (default 16 min).
 */
export function createPgIdentityStore(pool: Pool, revokedForSeconds = 960): IdentityStore {
  const insertFamily = async (client: PoolClient, userId: string, token: NewRefreshToken) => {
    const family = await client.query<{ id: string }>(
      "INSERT INTO identity.refresh_families (id, user_id) VALUES (coalesce($2::uuid, gen_random_uuid()), $1) RETURNING id",
      [userId, token.familyId ?? null],
    );
    await insertToken(client, family.rows[0]!.id, token);
  };

  /** Access tokens of these sessions are refused until they would have expired anyway. */
  const recordRevoked = async (client: PoolClient, familyIds: string[]) => {
    if (familyIds.length === 0) return;
    await client.query(
      "INSERT INTO identity.revoked_sessions (family_id, expires_at) SELECT unnest($1::uuid[]), now() + $2 * interval '1 second'",
      [familyIds, revokedForSeconds],
    );
  };

  return {
    async createUser(user, firstToken) {
      try {
        return await inTransaction(pool, async (client) => {
          const inserted = await client.query<UserRow>(
            `INSERT INTO identity.users (email, handle, display_name, password_hash) VALUES ($1, $2, $3, $4) RETURNING ${USER_COLUMNS}`,
            [user.email, user.handle, user.displayName, user.passwordHash],
          );
          const row = inserted.rows[0]!;
          await insertFamily(client, row.id, firstToken);
          return toUser(row);
        });
      } catch (err) {
        const constraint = uniqueViolation(err);
        if (constraint === "users_email_key") throw alreadyExists("email: an account with this email already exists");
        if (constraint === "users_handle_key") throw alreadyExists("handle: this handle is taken");
        throw err;
      }
    },

    async findUserByEmail(email) {
      const result = await pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM identity.users WHERE email = $1`, [email]);
      return result.rows[0] ? toUser(result.rows[0]) : undefined;
    },

    async findUserById(id) {
      const result = await pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM identity.users WHERE id = $1`, [id]);
      return result.rows[0] ? toUser(result.rows[0]) : undefined;
    },

    async updateProfile(id, changes: ProfileChanges) {
      // COALESCE keeps the fields the mask did not name.
      const result = await pool.query<UserRow>(
        `UPDATE identity.users SET display_name = COALESCE($2, display_name), bio = COALESCE($3, bio), avatar_url = COALESCE($4, avatar_url), updated_at = now()
         WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, changes.displayName ?? null, changes.bio ?? null, changes.avatarUrl ?? null],
      );
      return result.rows[0] ? toUser(result.rows[0]) : undefined;
    },

    async upgradePasswordHash(id, oldHash, newHash) {
      // Only if unchanged meanwhile: a concurrent password change wins.
      await pool.query("UPDATE identity.users SET password_hash = $3 WHERE id = $1 AND password_hash = $2", [id, oldHash, newHash]);
    },

    async changePassword(id, newHash, firstToken) {
      await inTransaction(pool, async (client) => {
        await client.query("UPDATE identity.users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1", [id, newHash]);
        const revoked = await client.query<{ id: string }>(
          "UPDATE identity.refresh_families SET revoked_at = now(), revoked_reason = 'password_change' WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
          [id],
        );
        await recordRevoked(client, revoked.rows.map((row) => row.id));
        await insertFamily(client, id, firstToken);
      });
    },

    async deleteUser(id) {
      return inTransaction(pool, async (client) => {
        // Refresh-token families and tokens go with it (ON DELETE CASCADE); their access tokens are revoked.
        const families = await client.query<{ id: string }>("SELECT id FROM identity.refresh_families WHERE user_id = $1 AND revoked_at IS NULL", [id]);
        await recordRevoked(client, families.rows.map((row) => row.id));
        const deleted = await client.query("DELETE FROM identity.users WHERE id = $1", [id]);
        if ((deleted.rowCount ?? 0) === 0) return false;
        await enqueueEvent(client, { schema: "identity", topic: topics.accountDeleted, key: id, message: { userId: id, eventId: randomUUID(), eventTime: timestampNow() } });
        return true;
      });
    },

    async startFamily(userId, firstToken) {
      await inTransaction(pool, (client) => insertFamily(client, userId, firstToken));
    },

    async rotate(presentedHash, next, graceMs): Promise<RotateOutcome> {
      return inTransaction(pool, async (client) => {
        const found = await client.query<{ id: string; family_id: string }>("SELECT id, family_id FROM identity.refresh_tokens WHERE token_hash = $1", [presentedHash]);
        const token = found.rows[0];
        if (!token) return { outcome: "invalid" };
        // Lock the family first; then read the token's state as of now.
        const family = await client.query<{ user_id: string; handle: string; revoked_at: Date | null }>(
          `SELECT f.user_id, u.handle, f.revoked_at FROM identity.refresh_families f JOIN identity.users u ON u.id = f.user_id
           WHERE f.id = $1 FOR UPDATE OF f`,
          [token.family_id],
        );
        const fam = family.rows[0];
        if (!fam || fam.revoked_at) return { outcome: "invalid" };
        const state = await client.query<{ used: boolean; expired: boolean; recent: boolean }>(
          `SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired, used_at > now() - $2 * interval '1 millisecond' AS recent
           FROM identity.refresh_tokens WHERE id = $1`,
          [token.id, graceMs],
        );
        const { used, expired, recent } = state.rows[0]!;
        if (used && recent) {
          // A retry whose first answer was lost: the same successor again, if it is still unused.
          const successor = await client.query<{ used: boolean }>(
            "SELECT used_at IS NOT NULL AS used FROM identity.refresh_tokens WHERE token_hash = $1 AND family_id = $2",
            [next.tokenHash, token.family_id],
          );
          if (successor.rows[0] && !successor.rows[0].used) return { outcome: "rotated", userId: fam.user_id, handle: fam.handle, familyId: token.family_id };
        }
        if (used) {
          await client.query("UPDATE identity.refresh_families SET revoked_at = now(), revoked_reason = 'reuse' WHERE id = $1", [token.family_id]);
          await recordRevoked(client, [token.family_id]);
          return { outcome: "reused", userId: fam.user_id, familyId: token.family_id };
        }
        if (expired) return { outcome: "invalid" };
        await client.query("UPDATE identity.refresh_tokens SET used_at = now() WHERE id = $1", [token.id]);
        await insertToken(client, token.family_id, next);
        return { outcome: "rotated", userId: fam.user_id, handle: fam.handle, familyId: token.family_id };
      });
    },

    async revokeFamilyOf(tokenHash) {
      return inTransaction(pool, async (client) => {
        const result = await client.query<{ id: string }>(
          `UPDATE identity.refresh_families SET revoked_at = now(), revoked_reason = 'logout'
           WHERE id = (SELECT family_id FROM identity.refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL RETURNING id`,
          [tokenHash],
        );
        await recordRevoked(client, result.rows.map((row) => row.id));
        return result.rows.length > 0;
      });
    },

    async listRevokedSessions(after, limit) {
      const { rows } = await pool.query<{ seq: string; family_id: string; expires_at: Date }>(
        // The last few seconds again too: a transaction that took its seq earlier may commit after a later one.
        `SELECT seq, family_id, expires_at FROM identity.revoked_sessions
         WHERE (seq > $1 OR created_at > now() - interval '30 seconds') AND expires_at > now() ORDER BY seq LIMIT $2`,
        [after.toString(), limit],
      );
      const last = rows.at(-1);
      const cursor = last && BigInt(last.seq) > after ? BigInt(last.seq) : after;
      return { sessions: rows.map((row) => ({ familyId: row.family_id, expiresAt: row.expires_at })), cursor };
    },
  };
}

async function insertToken(client: PoolClient, familyId: string, token: NewRefreshToken) {
  await client.query("INSERT INTO identity.refresh_tokens (family_id, token_hash, expires_at) VALUES ($1, $2, $3)", [familyId, token.tokenHash, token.expiresAt]);
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    handle: row.handle,
    displayName: row.display_name,
    bio: row.bio,
    avatarUrl: row.avatar_url,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

/** The constraint a unique violation (23505) hit, if err is one. */
function uniqueViolation(err: unknown): string | undefined {
  const pgErr = err as Partial<DatabaseError> | undefined;
  return pgErr?.code === "23505" ? pgErr.constraint : undefined;
}
