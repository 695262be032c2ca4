/** An access token and when it stops being accepted (epoch milliseconds). */
export interface AccessToken {
  token: string;
  expiresAt: number;
}

/** What the refresher needs from its surroundings; all injectable for tests. */
export interface TokenRefresherOptions {
  /** Exchanges the refresh token (an HttpOnly cookie in the browser) for a new access token; null when the session is over. */
  refresh: () => Promise<AccessToken | null>;
  /** Runs `task` while holding a lock shared by every tab (Web Locks); default: in this tab only. */
  withLock?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Tells other tabs about a new token (or null after sign-out). */
  publish?: (token: AccessToken | null) => void;
  /** Called whenever the current token changes, including to null. */
  onChange?: (token: AccessToken | null) => void;
  /** Renew this long before expiry (default: a fifth of the lifetime, between 5 s and 60 s). */
  leewayMs?: (lifetimeMs: number) => number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * Keeps a short-lived access token fresh. Renewal happens ahead of expiry on a
 * timer and on demand; there is never more than one refresh in flight, in this
 * tab (a shared promise) or across tabs (a shared lock, after which a token
 * another tab just obtained is adopted instead of rotating the refresh token
 * again, which the server would treat as reuse).
 */
export class TokenRefresher {
  private current: AccessToken | null = null;
  private inFlight: Promise<AccessToken | null> | null = null;
  private timer: unknown = null;
  private readonly now: () => number;
  private readonly withLock: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly leeway: (lifetimeMs: number) => number;
  private lifetimeMs = 0;

  constructor(private readonly options: TokenRefresherOptions) {
    this.now = options.now ?? Date.now;
    this.withLock = options.withLock ?? ((task) => task());
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
    this.leeway = options.leewayMs ?? ((lifetime) => Math.min(60_000, Math.max(5_000, lifetime / 5)));
  }

  /** The token now held, valid or not. */
  get token(): AccessToken | null {
    return this.current;
  }

  /** Adopts a token obtained by signing in (or by another tab) and schedules its renewal. */
  set(token: AccessToken | null, { announce = true }: { announce?: boolean } = {}): void {
    this.current = token;
    if (token) this.lifetimeMs = Math.max(0, token.expiresAt - this.now());
    this.schedule();
    this.options.onChange?.(token);
    if (announce) this.options.publish?.(token);
  }

  /** A token valid beyond the leeway, refreshing first when needed; null when signed out. */
  async accessToken({ force = false }: { force?: boolean } = {}): Promise<string | null> {
    if (!force && this.current && !this.needsRenewal(this.current)) return this.current.token;
    if (!force && !this.current && !this.inFlight) return null;
    const token = await this.renew(force ? this.current : null);
    return token?.token ?? null;
  }

  /** Renews now (single-flight); `stale` is a token known to be refused, never adopted from another tab. */
  renew(stale: AccessToken | null = null): Promise<AccessToken | null> {
    this.inFlight ??= this.withLock(async () => {
      // Another tab may have renewed while this one waited for the lock.
      const held = this.current;
      if (held && held.token !== stale?.token && !this.needsRenewal(held)) return held;
      return await this.options.refresh();
    })
      .then((token) => {
        if (token !== this.current) this.set(token);
        return token;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  /** Forgets the token (sign-out) and stops the timer. */
  clear({ announce = true }: { announce?: boolean } = {}): void {
    this.set(null, { announce });
  }

  private needsRenewal(token: AccessToken): boolean {
    return token.expiresAt - this.now() <= this.leeway(this.lifetimeMs);
  }

  private schedule(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (!this.current) return;
    const delay = Math.max(0, this.current.expiresAt - this.leeway(this.lifetimeMs) - this.now());
    this.timer = this.setTimer(() => {
      this.timer = null;
      // A failed background refresh is not fatal: the next call tries again.
      this.renew().catch(() => undefined);
    }, delay);
  }
}
