/** Normalises an email for storage and lookup: trimmed and lower-case, so one mailbox is one account. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
