/**
 * Creates or rotates the identity service's ES256 signing keys in a JSON file
 * (the value of IDENTITY_SIGNING_KEYS: private JWKs, current first).
 *   node services/identity/scripts/signing-keys.ts <file>           create if missing
 *   node services/identity/scripts/signing-keys.ts <file> --rotate  add a new current key, keep the last two
 * The file holds private keys: it is written 0600 and belongs in the
 * git-ignored .data/ (scripts/stack/env.sh does this for local development).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { generateSigningKey } from "../../../lib/auth/tokens.ts";

const KEEP_OLD = 2;

async function main(): Promise<void> {
  const [file, flag] = process.argv.slice(2);
  if (!file || (flag !== undefined && flag !== "--rotate")) {
    console.error("usage: signing-keys.ts <file> [--rotate]");
    process.exit(2);
  }
  const exists = existsSync(file);
  if (exists && flag !== "--rotate") return;
  const old = exists ? (JSON.parse(readFileSync(file, "utf8")) as unknown[]) : [];
  const key = await generateSigningKey();
  const keys = [key.privateJwk, ...old.slice(0, KEEP_OLD)];
  writeFileSync(`${file}.tmp`, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  console.error(`signing key ${key.kid} is now current (${keys.length} key(s) in ${file})`);
}

await main();
