import { describe, expect, it, vi } from "vitest";
import { TokenRefresher, type AccessToken } from "../src/auth/token-refresher.ts";

/** A clock and timers the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      const index = timers.findIndex((t) => t.id === id);
      if (index >= 0) timers.splice(index, 1);
    },
    advance(ms: number) {
      now += ms;
      for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
        if (timer.at <= now) {
          timers.splice(timers.indexOf(timer), 1);
          timer.fn();
        }
      }
    },
    pending: () => timers.length,
  };
}

/** A lock shared by several refreshers, like navigator.locks across tabs. */
function sharedLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

const MINUTE = 60_000;

describe("TokenRefresher", () => {
  it("hands out the held token while it is fresh, without refreshing", async () => {
    const clock = manualClock();
    const refresh = vi.fn(async () => null);
    const refresher = new TokenRefresher({ refresh, ...clock });
    refresher.set({ token: "a", expiresAt: clock.now() + 15 * MINUTE });
    expect(await refresher.accessToken()).toBe("a");
    expect(refresh).not.toHaveBeenCalled();
  });

  it("is signed out (null) without a token, and does not call the server", async () => {
    const refresh = vi.fn(async () => null);
    const refresher = new TokenRefresher({ refresh });
    expect(await refresher.accessToken()).toBeNull();
    expect(refresh).not.toHaveBeenCalled();
  });

  it("renews ahead of expiry on its timer, before anyone asks", async () => {
    const clock = manualClock();
    let n = 0;
    const refresh = vi.fn(async (): Promise<AccessToken> => ({ token: `t${++n}`, expiresAt: clock.now() + 15 * MINUTE }));
    const refresher = new TokenRefresher({ refresh, ...clock });
    refresher.set({ token: "t0", expiresAt: clock.now() + 15 * MINUTE });
    clock.advance(13 * MINUTE); // 2 minutes left: more than the 60 s leeway
    expect(refresh).not.toHaveBeenCalled();
    clock.advance(MINUTE + 1); // inside the leeway
    await vi.waitFor(() => expect(refresher.token?.token).toBe("t1"));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(clock.pending()).toBe(1); // the next renewal is scheduled
  });

  it("runs one refresh for many callers asking at once", async () => {
    const clock = manualClock();
    let release!: () => void;
    const refresh = vi.fn(() => new Promise<AccessToken>((resolve) => (release = () => resolve({ token: "new", expiresAt: clock.now() + 15 * MINUTE }))));
    const refresher = new TokenRefresher({ refresh, leewayMs: () => MINUTE, ...clock });
    refresher.set({ token: "old", expiresAt: clock.now() + 10_000 }); // inside the leeway
    const calls = Promise.all([refresher.accessToken(), refresher.accessToken(), refresher.accessToken()]);
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
    release();
    expect(await calls).toEqual(["new", "new", "new"]);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("across tabs: the second tab adopts the first tab's new token instead of rotating the refresh token again", async () => {
    const clock = manualClock();
    const lock = sharedLock();
    const tabs: TokenRefresher[] = [];
    let rotations = 0;
    // The server: each refresh rotates the cookie; a second use of the same one would be reuse.
    const refresh = vi.fn(async (): Promise<AccessToken> => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { token: `rotated-${++rotations}`, expiresAt: clock.now() + 15 * MINUTE };
    });
    for (let i = 0; i < 2; i++) {
      tabs.push(
        new TokenRefresher({
          refresh,
          withLock: lock,
          // BroadcastChannel: every other tab adopts the token.
          publish: (token) => tabs.forEach((tab, j) => j !== i && token && tab.set(token, { announce: false })),
          ...clock,
        }),
      );
    }
    const expiring = { token: "old", expiresAt: clock.now() + 5_000 };
    tabs.forEach((tab) => tab.set(expiring, { announce: false }));
    const [a, b] = await Promise.all(tabs.map((tab) => tab.accessToken()));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(a).toBe("rotated-1");
    expect(b).toBe("rotated-1");
  });

  it("a forced renewal (the server refused the token) refreshes even when the token looks fresh", async () => {
    const clock = manualClock();
    const refresh = vi.fn(async (): Promise<AccessToken> => ({ token: "fresh", expiresAt: clock.now() + 15 * MINUTE }));
    const refresher = new TokenRefresher({ refresh, ...clock });
    refresher.set({ token: "revoked", expiresAt: clock.now() + 10 * MINUTE });
    expect(await refresher.accessToken({ force: true })).toBe("fresh");
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("ends the session when the refresh token is refused, and says so", async () => {
    const clock = manualClock();
    const changes: (AccessToken | null)[] = [];
    const refresher = new TokenRefresher({ refresh: async () => null, onChange: (t) => changes.push(t), ...clock });
    refresher.set({ token: "old", expiresAt: clock.now() + 1_000 });
    expect(await refresher.accessToken()).toBeNull();
    expect(changes.at(-1)).toBeNull();
    expect(refresher.token).toBeNull();
    expect(clock.pending()).toBe(0);
  });

  it("a failed refresh (offline) surfaces to the caller and the next call tries again", async () => {
    const clock = manualClock();
    const refresh = vi
      .fn<() => Promise<AccessToken | null>>()
      .mockRejectedValueOnce(new Error("Failed to fetch"))
      .mockResolvedValueOnce({ token: "back", expiresAt: clock.now() + 15 * MINUTE });
    const refresher = new TokenRefresher({ refresh, ...clock });
    refresher.set({ token: "old", expiresAt: clock.now() + 1_000 });
    await expect(refresher.accessToken()).rejects.toThrow("Failed to fetch");
    expect(await refresher.accessToken()).toBe("back");
  });
});
