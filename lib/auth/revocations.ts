import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { createServiceClient } from "../grpc/client.ts";

/** One page of revoked sessions after a cursor. */
export interface RevocationPage {
  sessions: { sessionId: string; expiresAt: Date }[];
  cursor: bigint;
}

/** Ended sessions whose access tokens must be refused; answered from memory. */
export interface RevocationList {
  isRevoked(sessionId: string): boolean;
  /** Fetches what is new now (tests; the list also refreshes itself every intervalMs). */
  refresh(): Promise<void>;
  stop(): void;
}

export interface RevocationListOptions {
  /** Revoked sessions after the cursor (0: all still in force). */
  load(after: bigint): Promise<RevocationPage>;
  /** How often to ask for new revocations (default 2 s): a revoked token works at most this long. */
  intervalMs?: number;
}

/**
 * The revoked sessions, kept in memory and polled in the background, so a
 * token check is a map lookup, never a call. Entries go once their tokens
 * would have expired anyway. When identity cannot be reached the list keeps
 * what it had (revocations already known stay in force) and tries again at
 * the next tick. The timer does not keep the process alive.
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const revoked = new Map<string, number>();
  let cursor = 0n;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  // Polls are the process's own work: each its own trace, never part of the
  // request that happened to start the timer (a timer keeps the context it was made in).
  const refresh = () =>
    (inFlight ??= context.with(ROOT_CONTEXT, async () => {
      try {
        for (;;) {
          const page = await options.load(cursor);
          for (const { sessionId, expiresAt } of page.sessions) revoked.set(sessionId, expiresAt.getTime());
          const more = page.cursor > cursor && page.sessions.length > 0;
          cursor = page.cursor > cursor ? page.cursor : cursor;
          if (!more || page.sessions.length < 500) break;
        }
        const now = Date.now();
        for (const [id, until] of revoked) if (until <= now) revoked.delete(id);
      } finally {
        inFlight = undefined;
      }
    }));

  const start = () => {
    if (timer) return;
    timer = context.with(ROOT_CONTEXT, () => setInterval(() => void refresh().catch(() => undefined), options.intervalMs ?? 2000));
    timer.unref();
    void refresh().catch(() => undefined);
  };

  return {
    isRevoked(sessionId) {
      start();
      const until = revoked.get(sessionId);
      return until !== undefined && until > Date.now();
    },
    async refresh() {
      start();
      await refresh();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** A revocation loader that asks the identity service over gRPC. */
export function revocationsFromIdentity(address: string): RevocationListOptions["load"] {
  const client = createServiceClient(IdentityService, { address });
  return async (after) => {
    const response = await client.listRevokedSessions({ after }, { timeoutMs: 5000 });
    return {
      cursor: response.cursor,
      sessions: response.sessions.map((session) => ({
        sessionId: session.sessionId,
        expiresAt: new Date(Number(session.expireTime?.seconds ?? 0n) * 1000 + Math.floor((session.expireTime?.nanos ?? 0) / 1e6)),
      })),
    };
  };
}
