import { describe, expect, it } from "vitest";
import { dialAddress } from "./dial-address.ts";

describe("dialAddress", () => {
  it("dials loopback for wildcard binds, the host itself otherwise, brackets IPv6", () => {
    expect(dialAddress("0.0.0.0", 50051)).toBe("127.0.0.1:50051");
    expect(dialAddress("::", 50051)).toBe("127.0.0.1:50051");
    expect(dialAddress("127.0.0.1", 7)).toBe("127.0.0.1:7");
    expect(dialAddress("::1", 7)).toBe("[::1]:7");
  });
});
