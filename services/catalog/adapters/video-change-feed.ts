import type pg from "pg";
import type { Pool } from "../../../lib/db/index.ts";
import type { Logger } from "../../../lib/logger.ts";
import type { VideoChangeFeed } from "../domain/ports.ts";

/** The PostgreSQL NOTIFY channel the videos trigger announces changes on. */
export const VIDEO_CHANGED_CHANNEL = "catalog_video_changed";

export interface VideoChangeFeedOptions {
  pool: Pool;
  logger: Logger;
  /** Delay before reconnecting a lost LISTEN connection (default 1 s). */
  reconnectMs?: number;
}

/** Creates the LISTEN/NOTIFY change feed. */
export function createVideoChangeFeed(options: VideoChangeFeedOptions): VideoChangeFeed {
  const byVideo = new Map<string, Set<() => void>>();
  const anyListeners: ((videoId: string) => void)[] = [];
  let client: pg.PoolClient | undefined;
  let stopped = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const dispatch = (videoId: string) => {
    for (const listener of anyListeners) listener(videoId);
    const listeners = videoId === "*" ? [...byVideo.values()].flatMap((set) => [...set]) : [...(byVideo.get(videoId) ?? [])];
    for (const listener of listeners) listener();
  };

  // Connections handed back to the pool, by drop() or stop(): each is released once. Its error
  // listener stays attached (an error on a pooled connection must not go unheard), so an error
  // after stop() must not release it again (pg-pool throws on a double release).
  const released = new WeakSet<pg.PoolClient>();

  const connect = async (): Promise<void> => {
    const next = await options.pool.connect();
    const drop = (err?: Error) => {
      if (released.has(next)) return;
      released.add(next);
      next.removeAllListeners("notification");
      next.release(err ?? true);
      if (client === next) client = undefined;
    };
    next.on("notification", (message) => {
      if (message.channel === VIDEO_CHANGED_CHANNEL && message.payload) dispatch(message.payload);
    });
    next.on("error", (err) => {
      options.logger.warn({ err }, "video change feed connection lost; reconnecting");
      drop(err);
      scheduleReconnect();
    });
    try {
      await next.query(`LISTEN ${VIDEO_CHANGED_CHANNEL}`);
    } catch (err) {
      drop(err as Error);
      throw err;
    }
    client = next;
  };

  const scheduleReconnect = () => {
    if (stopped || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(
        () => dispatch("*"),
        (err: unknown) => {
          options.logger.warn({ err }, "video change feed reconnect failed");
          scheduleReconnect();
        },
      );
    }, options.reconnectMs ?? 1000);
    reconnectTimer.unref();
  };

  return {
    async start() {
      stopped = false;
      await connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners("notification");
        await current.query(`UNLISTEN ${VIDEO_CHANGED_CHANNEL}`).catch(() => undefined);
        if (!released.has(current)) {
          released.add(current);
          current.release();
        }
      }
      dispatch("*");
    },
    subscribe(videoId, listener) {
      let set = byVideo.get(videoId);
      if (!set) {
        set = new Set();
        byVideo.set(videoId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byVideo.get(videoId) === set) byVideo.delete(videoId);
      };
    },
    onAnyChange(listener) {
      anyListeners.push(listener);
    },
  };
}
