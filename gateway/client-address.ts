import { BlockList, isIP } from "node:net";

/**
 * Which address a call comes from, for rate limits and x-forwarded-for. The
 * TCP peer, unless the peer is a proxy we were told to trust (an Ingress, a
 * load balancer): then the last address in X-Forwarded-For that is not itself
 * a trusted proxy, the one that proxy saw. Anyone else's X-Forwarded-For is
 * ignored, so a client cannot pick its own address (and dodge its limit), and
 * behind an Ingress each person gets their own limit, not one for everybody.
 */
export type ClientAddressOf = (peer: string | undefined, forwardedFor: string | string[] | undefined) => string;

/** Builds the lookup from GATEWAY_TRUSTED_PROXIES entries: addresses or CIDR subnets ("10.0.0.0/8"). */
export function clientAddressFrom(trustedProxies: readonly string[]): ClientAddressOf {
  if (trustedProxies.length === 0) return (peer) => peer ?? "";
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = "", bits] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? "ipv6" : "ipv4");
  };
  return (peer, forwardedFor) => {
    const from = unmapped(peer ?? "");
    if (!isTrusted(from) || forwardedFor === undefined) return from;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",").map((hop) => unmapped(hop.trim()));
    let client = from;
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = hops[index]!;
      if (isIP(hop) === 0) break; // not an address: stop at the last one we could check
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) → "10.0.0.1". */
function unmapped(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Parses GATEWAY_TRUSTED_PROXIES, refusing entries that are not addresses or subnets. */
export function parseTrustedProxies(value: string): string[] {
  const entries = value.split(",").map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address = "", bits, extra] = entry.split("/");
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new Error(`GATEWAY_TRUSTED_PROXIES: "${entry}" is not an address or a subnet like 10.0.0.0/8`);
    }
  }
  return entries;
}
