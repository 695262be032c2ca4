import { describe, expect, it } from "vitest";
import { AppError } from "../../../lib/errors.ts";
import { parseUpdateMask } from "./field-mask.ts";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.ts";

const id = "7d1a3c4e-0000-4000-8000-000000000001";
const invalid = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError && err.kind === "invalid_argument" ? err.message : `wrong error ${String(err)}`;
  }
  return "no error";
};

describe("page tokens", () => {
  it("round-trip within their listing", () => {
    const token = encodePageToken({ scope: "videos:x", key: ["2026-01-01T00:00:00.000Z", id] });
    expect(decodePageToken(token, "videos:x", ["time", "uuid"])).toEqual(["2026-01-01T00:00:00.000Z", id]);
    expect(decodePageToken("", "videos:x", ["time", "uuid"])).toBeUndefined();
  });

  it("reject another listing's, tampered and garbage tokens", () => {
    const token = encodePageToken({ scope: "videos:x", key: ["2026-01-01T00:00:00.000Z", id] });
    expect(invalid(() => decodePageToken(token, "videos:y", ["time", "uuid"]))).toMatch(/^page_token/);
    const tampered = Buffer.from(Buffer.from(token, "base64url").toString().replace(id, "1; DROP TABLE")).toString("base64url");
    expect(invalid(() => decodePageToken(tampered, "videos:x", ["time", "uuid"]))).toMatch(/^page_token/);
    expect(invalid(() => decodePageToken("!!!", "videos:x", ["time", "uuid"]))).toMatch(/^page_token/);
    expect(invalid(() => decodePageToken("bm90IGpzb24", "videos:x", ["time", "uuid"]))).toMatch(/^page_token/);
  });

  it("clamp page sizes", () => {
    expect(pageSize(0, 20, 100)).toBe(20);
    expect(pageSize(500, 20, 100)).toBe(100);
    expect(pageSize(7, 20, 100)).toBe(7);
  });
});

describe("update masks", () => {
  it("accept known fields and name an unknown one", () => {
    expect([...parseUpdateMask(["title", "tags", "title"], ["title", "tags"] as const)]).toEqual(["title", "tags"]);
    expect(invalid(() => parseUpdateMask(["owner_id"], ["title"] as const))).toContain('"owner_id"');
    expect(invalid(() => parseUpdateMask([], ["title"] as const))).toMatch(/^update_mask/);
  });
});
