/**
 * The demo account. Its password is drawn at random on the first run and kept
 * in a git-ignored file readable only by its owner (mode 0600), so the
 * repository never holds one; later runs sign in with it.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { User } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import type { SeedApi } from "./api.ts";

/** Who the demo user is (the password is not chosen: it is generated). */
export interface DemoAccount {
  email: string;
  handle: string;
  displayName: string;
}

/** What the credentials file holds. */
export interface DemoCredentials extends DemoAccount {
  password: string;
  /** The web app's URL, for the person reading the file. */
  signInAt: string;
}

/** The signed-in demo user. */
export interface DemoSession {
  user: User;
  credentials: DemoCredentials;
  /** True when this run created the account. */
  registered: boolean;
}

/** A random password: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/** Reads the credentials file, or null when there is none. */
export async function readCredentials(path: string): Promise<DemoCredentials | null> {
  if (!existsSync(path)) return null;
  const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<DemoCredentials>;
  if (!parsed.email || !parsed.password || !parsed.handle) throw new Error(`${path} is not a demo credentials file (email, handle, password); delete it to start over`);
  return { displayName: "", signInAt: "", ...parsed } as DemoCredentials;
}

/** Writes the credentials file with mode 0600 (atomically: written beside, then renamed). */
export async function writeCredentials(path: string, credentials: DemoCredentials): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.partial`;
  await writeFile(partial, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, path);
}

/**
 * Signs the demo user in, creating the account (and its password file) on
 * the first run. The file is written before Register, so an interrupted run
 * never leaves an account whose password nobody has.
 */
export async function ensureDemoUser(api: SeedApi, credentialsPath: string, account: DemoAccount, signInAt: string): Promise<DemoSession> {
  let credentials = await readCredentials(credentialsPath);
  const fresh = !credentials;
  if (!credentials) {
    credentials = { ...account, password: generatePassword(), signInAt };
    await writeCredentials(credentialsPath, credentials);
  }
  try {
    const { user, session } = await api.identity.login({ email: credentials.email, password: credentials.password });
    if (!user || !session) throw new Error("the identity service answered Login without a user or session");
    api.setAccessToken(session.accessToken);
    return { user, credentials, registered: false };
  } catch (err) {
    // Unknown email (a fresh database) or, for an existing one, a password that is not the file's.
    if (ConnectError.from(err).code !== Code.Unauthenticated) throw err;
  }
  try {
    const { user, session } = await api.identity.register({
      email: credentials.email,
      handle: credentials.handle,
      password: credentials.password,
      displayName: credentials.displayName,
    });
    if (!user || !session) throw new Error("the identity service answered Register without a user or session");
    api.setAccessToken(session.accessToken);
    return { user, credentials, registered: true };
  } catch (err) {
    const error = ConnectError.from(err);
    if (error.code === Code.AlreadyExists) {
      // The password just drawn opens nothing: do not leave it behind as if it did.
      if (fresh) await rm(credentialsPath, { force: true });
      throw new Error(
        `an account with email ${credentials.email} or handle ${credentials.handle} already exists, and ${fresh ? `there was no ${credentialsPath} with its password` : `the password in ${credentialsPath} does not sign in to it`}. ` +
          `Restore that file, or choose another demo account with XTREAM_SEED_EMAIL and XTREAM_SEED_HANDLE.`,
        { cause: err },
      );
    }
    throw err;
  }
}
