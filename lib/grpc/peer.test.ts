import { createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { peerAddress, peerAddressKey } from "./peer.ts";

const withPeer = (peer: string | undefined) => ({ values: createContextValues().set(peerAddressKey, peer) });

describe("peerAddress", () => {
  it.each([
    ["127.0.0.1:51234", "127.0.0.1"],
    ["[::1]:51234", "::1"],
    ["[2001:db8::7]:443", "2001:db8::7"],
    ["ipv4:10.0.0.1", "10.0.0.1"],
  ])("reads %s as %s", (peer, address) => {
    expect(peerAddress(withPeer(peer))).toBe(address);
  });

  it("is undefined when the transport did not say", () => {
    expect(peerAddress(withPeer(undefined))).toBeUndefined();
  });
});
