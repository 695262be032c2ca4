import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt cost parameters: N = 2^logN, block size r, parallelism p. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/** The parameters new hashes use unless configured otherwise (OWASP's scrypt minimum is N=2^17,r=8,p=1 or N=2^15 with more memory; 2^15/8/1 costs ~32 MiB and ~50–100 ms). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Hashes and verifies passwords; see createPasswordHasher. */
export interface PasswordHasher {
  /** A self-describing hash: `$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>`. */
  hash(password: string): Promise<string>;
  /** Whether password matches stored (constant-time compare; false for a malformed hash). */
  verify(password: string, stored: string): Promise<boolean>;
  /** Whether stored was made with other parameters than the current ones (rehash after a successful login). */
  needsRehash(stored: string): boolean;
  /**
   * Spends the same time as verify against a real hash, for a user that does
   * not exist, so an unknown email and a wrong password cannot be told apart
   * by timing. Always false.
   */
  verifyDummy(password: string): Promise<false>;
}

/**
 * Creates a scrypt password hasher (node:crypto, run on libuv's thread pool so
 * the event loop stays free). Each hash gets its own random 16-byte salt; the
 * parameters are stored with the hash so they can be raised later while old
 * hashes still verify.
 */
export function createPasswordHasher(params: ScryptParams = DEFAULT_SCRYPT_PARAMS): PasswordHasher {
  checkParams(params);
  const encode = (p: ScryptParams, salt: Buffer, key: Buffer) =>
    `$scrypt$ln=${p.logN},r=${p.r},p=${p.p}$${salt.toString("base64").replace(/=+$/, "")}$${key.toString("base64").replace(/=+$/, "")}`;
  let dummy: Promise<string> | undefined;

  const hasher: PasswordHasher = {
    async hash(password) {
      const salt = randomBytes(SALT_BYTES);
      return encode(params, salt, await derive(password, salt, params, KEY_BYTES));
    },
    async verify(password, stored) {
      const parsed = parse(stored);
      if (!parsed) return false;
      const actual = await derive(password, parsed.salt, parsed.params, parsed.key.length);
      return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
    },
    needsRehash(stored) {
      const parsed = parse(stored);
      return !parsed || parsed.params.logN !== params.logN || parsed.params.r !== params.r || parsed.params.p !== params.p;
    },
    async verifyDummy(password) {
      dummy ??= hasher.hash(randomBytes(16).toString("hex"));
      await hasher.verify(password, await dummy);
      return false;
    },
  };
  return hasher;
}

/** Parses a stored hash; undefined when it is not one of ours or has unsafe parameters. */
export function parsePasswordHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  return parse(stored);
}

function parse(stored: string) {
  const match = FORMAT.exec(stored);
  if (!match) return undefined;
  const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  try {
    checkParams(params);
  } catch {
    return undefined;
  }
  const salt = Buffer.from(match[4] ?? "", "base64");
  const key = Buffer.from(match[5] ?? "", "base64");
  if (salt.length < 8 || key.length < 16) return undefined;
  return { params, salt, key };
}

function checkParams({ logN, r, p }: ScryptParams) {
  // Bounds keep a tampered or mistyped value from allocating gigabytes.
  if (!Number.isInteger(logN) || logN < 10 || logN > 20) throw new Error("scrypt logN must be an integer in [10, 20]");
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new Error("scrypt r must be an integer in [1, 32]");
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new Error("scrypt p must be an integer in [1, 16]");
}

function derive(password: string, salt: Buffer, { logN, r, p }: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** logN;
  // scrypt needs 128·N·r bytes (per lane); allow headroom over Node's 32 MiB default.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r * p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize("NFKC"), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
