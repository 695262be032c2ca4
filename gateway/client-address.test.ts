import { describe, expect, it } from "vitest";
import { clientAddressFrom, parseTrustedProxies } from "./client-address.ts";

describe("the client address behind proxies", () => {
  it("is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    const of = clientAddressFrom([]);
    expect(of("198.51.100.4", "203.0.113.7")).toBe("198.51.100.4");
  });

  it("is the address a trusted proxy saw: the last untrusted hop of X-Forwarded-For", () => {
    const of = clientAddressFrom(["10.0.0.0/8", "192.0.2.1"]);
    expect(of("10.1.2.3", "203.0.113.7")).toBe("203.0.113.7");
    // A client's own made-up entries come first; the proxies append what they saw.
    expect(of("10.1.2.3", "1.2.3.4, 203.0.113.7, 192.0.2.1")).toBe("203.0.113.7");
    expect(of("::ffff:10.1.2.3", ["203.0.113.7"])).toBe("203.0.113.7");
    // Garbage where an address should be: the last hop that was an address.
    expect(of("10.1.2.3", "not-an-ip, 10.9.9.9")).toBe("10.9.9.9");
    expect(of("10.1.2.3", undefined)).toBe("10.1.2.3");
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    const of = clientAddressFrom(["10.0.0.0/8"]);
    expect(of("198.51.100.4", "10.0.0.1, 203.0.113.7")).toBe("198.51.100.4");
  });

  it("parses the setting, refusing what is not an address or subnet", () => {
    expect(parseTrustedProxies(" 10.0.0.0/8, ::1 ,")).toEqual(["10.0.0.0/8", "::1"]);
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/not an address or a subnet/);
    expect(() => parseTrustedProxies("ingress.local")).toThrow(/not an address or a subnet/);
  });
});
