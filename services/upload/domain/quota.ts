import { resourceExhausted } from "../../../lib/errors.ts";

/** Per-account limits on what uploads may hold. */
export interface UploadQuota {
  /** Bytes of sources an account may store: completed uploads of live videos plus the declared size of open sessions. */
  storedBytes: number;
  /** Upload sessions an account may have open (active and not expired) at once. */
  openSessions: number;
}

/** What an account holds now. */
export interface QuotaUsage {
  storedBytes: number;
  openSessions: number;
}

/**
 * Refuses (RESOURCE_EXHAUSTED) a new upload of `sizeBytes` that would take
 * the account over a limit, saying which limit and where the account stands.
 */
export function checkQuota(usage: QuotaUsage, sizeBytes: number, quota: UploadQuota): void {
  if (usage.openSessions >= quota.openSessions) {
    throw resourceExhausted(`open upload sessions limit reached: ${usage.openSessions} of ${quota.openSessions} open; finish or cancel one first`);
  }
  if (usage.storedBytes + sizeBytes > quota.storedBytes) {
    throw resourceExhausted(`storage quota exceeded: ${usage.storedBytes} of ${quota.storedBytes} bytes used, this upload needs ${sizeBytes} more; delete videos to make room`);
  }
}
