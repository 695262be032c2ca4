import { serviceMeter } from "../../../lib/telemetry/metrics.ts";
import type { IdentityObserver } from "../domain/identity.ts";

/**
 * OpenTelemetry counters for sign-ins: `identity.login.attempts` by outcome
 * (success, invalid_credentials, rate_limited) and `identity.refresh.reuse`
 * (refresh-token reuse, each one a revoked family — worth an alert).
 */
export function createIdentityMetrics(): IdentityObserver {
  const meter = serviceMeter("identity");
  const attempts = meter.createCounter("identity.login.attempts", { description: "Sign-in attempts by outcome" });
  const reuse = meter.createCounter("identity.refresh.reuse", { description: "Refresh tokens presented again after use (family revoked)" });
  return {
    loginAttempt: (outcome) => attempts.add(1, { outcome }),
    refreshReuse: () => reuse.add(1),
  };
}
