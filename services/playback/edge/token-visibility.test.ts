// A present token is checked against the video's current visibility, not by
// its HMAC alone: a token handed out with an unlisted video's link stops
// opening it once the owner makes it private (or deletes it), while the
// owner's token for a private video keeps working. Through a real edge, with
// a catalog directory whose answers the test changes.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { publishFixture, startTestEdge, startVideoDirectory, type TestEdge } from "../testing.ts";

let directory: Awaited<ReturnType<typeof startVideoDirectory>>;
let edge: TestEdge;
const shared = randomUUID();
const owned = randomUUID();

beforeAll(async () => {
  directory = await startVideoDirectory();
  directory.videos.set(shared, { visibility: Visibility.UNLISTED });
  directory.videos.set(owned, { visibility: Visibility.PRIVATE });
  await Promise.all([publishFixture(shared), publishFixture(owned)]);
  edge = await startTestEdge({ catalogAddress: directory.address, cache: { visibilityTtlMs: 200, prefetchCount: 0 } });
});
afterAll(async () => {
  await edge?.close();
  await directory?.close();
});

const status = async (videoId: string, token: string) => (await fetch(`${edge.baseUrl}/v/${videoId}/t/${token}/master.m3u8`)).status;

it("a link-shared token stops working when the video turns private; the owner's keeps working", { timeout: 30_000 }, async () => {
  const linkToken = edge.tokens.issue(shared, Date.now(), 0, "unlisted").token;
  expect(linkToken.split(".")).toHaveLength(4);
  const ownerToken = edge.tokens.issue(owned, Date.now(), 0, "owner").token;
  expect(await status(shared, linkToken)).toBe(200);
  expect(await status(owned, ownerToken)).toBe(200);

  directory.videos.set(shared, { visibility: Visibility.PRIVATE });
  await expect.poll(() => status(shared, linkToken), { timeout: 10_000, interval: 200 }).toBe(403);
  expect(await status(owned, ownerToken)).toBe(200);

  // Unlisted again: the same token opens it again (it is still signed and unexpired).
  directory.videos.set(shared, { visibility: Visibility.UNLISTED });
  await expect.poll(() => status(shared, linkToken), { timeout: 10_000, interval: 200 }).toBe(200);

  // Deleted (gone from the catalog): refused too.
  directory.videos.delete(shared);
  await expect.poll(() => status(shared, linkToken), { timeout: 10_000, interval: 200 }).toBe(403);
});

it("the audience is signed: relabelling a token breaks it", () => {
  const linkToken = edge.tokens.issue(shared, Date.now(), 0, "unlisted").token;
  const [kid, expiry, , signature] = linkToken.split(".");
  expect(edge.tokens.verify(`${kid}.${expiry}.${signature}`, shared)).toBe(false);
  const ownerToken = edge.tokens.issue(owned).token;
  const [okid, oexpiry, osignature] = ownerToken.split(".");
  expect(edge.tokens.verify(`${okid}.${oexpiry}.u.${osignature}`, owned)).toBe(false);
  expect(edge.tokens.verify(`${okid}.${oexpiry}.x.${osignature}`, owned)).toBe(false);
});
