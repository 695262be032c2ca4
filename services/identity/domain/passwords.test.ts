import { describe, expect, it } from "vitest";
import { createPasswordHasher, DEFAULT_SCRYPT_PARAMS, parsePasswordHash } from "./passwords.ts";

const cheap = { logN: 10, r: 8, p: 1 };

describe("scrypt password hasher", () => {
  it("stores a self-describing hash with the parameters, a 16-byte salt and a 32-byte key — never the password", async () => {
    const hash = await createPasswordHasher(DEFAULT_SCRYPT_PARAMS).hash("correct horse battery");
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain("correct horse");
    const parsed = parsePasswordHash(hash)!;
    expect(parsed.params).toEqual(DEFAULT_SCRYPT_PARAMS);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.key).toHaveLength(32);
  });

  it("verifies the right password and rejects a wrong one", async () => {
    const hasher = createPasswordHasher(cheap);
    const hash = await hasher.hash("s3cret-password");
    await expect(hasher.verify("s3cret-password", hash)).resolves.toBe(true);
    await expect(hasher.verify("s3cret-passwore", hash)).resolves.toBe(false);
    await expect(hasher.verify("", hash)).resolves.toBe(false);
  });

  it("salts every hash", async () => {
    const hasher = createPasswordHasher(cheap);
    expect(await hasher.hash("same password")).not.toBe(await hasher.hash("same password"));
  });

  it("verifies hashes made with other parameters and says they need a rehash", async () => {
    const old = await createPasswordHasher(cheap).hash("old-params-password");
    const current = createPasswordHasher({ logN: 11, r: 8, p: 1 });
    await expect(current.verify("old-params-password", old)).resolves.toBe(true);
    expect(current.needsRehash(old)).toBe(true);
    expect(current.needsRehash(await current.hash("x-password"))).toBe(false);
  });

  it("treats malformed or unsafe stored hashes as a mismatch", async () => {
    const hasher = createPasswordHasher(cheap);
    for (const stored of ["", "plaintext", "$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA"]) {
      await expect(hasher.verify("anything", stored)).resolves.toBe(false);
    }
  });

  it("normalises Unicode so the same password typed on another keyboard matches", async () => {
    const hasher = createPasswordHasher(cheap);
    const hash = await hasher.hash("café-password"); // precomposed é
    await expect(hasher.verify("cafe\u0301-password", hash)).resolves.toBe(true);
  });

  it("verifyDummy always fails", async () => {
    await expect(createPasswordHasher(cheap).verifyDummy("whatever")).resolves.toBe(false);
  });

  it("refuses out-of-range parameters", () => {
    expect(() => createPasswordHasher({ logN: 25, r: 8, p: 1 })).toThrow(/logN/);
  });
});
