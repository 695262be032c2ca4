import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "../../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { codeOf } from "../../../lib/testing/index.ts";

let harness: CatalogHarness;
beforeAll(async () => {
  harness = await startCatalogHarness();
});
afterAll(async () => {
  await harness.close();
});

async function setup(handle: string) {
  const owner = harness.newUser();
  const channelId = (await (await harness.client(ChannelService, owner)).createChannel({ handle, title: "P" })).channel!.id;
  const videos = await harness.client(VideoService, owner);
  const video = async (title: string, visibility = Visibility.PUBLIC) => (await videos.createVideo({ channelId, title, visibility })).video!.id;
  return { owner, videos, video, playlists: await harness.client(PlaylistService, owner) };
}

describe("PlaylistService", () => {
  it("adds, inserts at a position, moves and removes items keeping positions dense", async () => {
    const { video, playlists } = await setup("pl_order");
    const { playlist } = await playlists.createPlaylist({ title: "Mix", visibility: Visibility.PUBLIC });
    const [a, b, c, d] = [await video("a"), await video("b"), await video("c"), await video("d")];
    const itemA = (await playlists.addPlaylistItem({ playlistId: playlist!.id, videoId: a })).item!;
    await playlists.addPlaylistItem({ playlistId: playlist!.id, videoId: b });
    const itemC = (await playlists.addPlaylistItem({ playlistId: playlist!.id, videoId: c, position: 0 })).item!;
    await playlists.addPlaylistItem({ playlistId: playlist!.id, videoId: d, position: 99 });
    const order = async () => (await playlists.listPlaylistItems({ playlistId: playlist!.id })).items.map((item) => [item.position, item.video?.title]);
    expect(await order()).toEqual([[0, "c"], [1, "a"], [2, "b"], [3, "d"]]);
    expect((await playlists.movePlaylistItem({ playlistId: playlist!.id, itemId: itemC.id, newPosition: 2 })).item?.position).toBe(2);
    expect(await order()).toEqual([[0, "a"], [1, "b"], [2, "c"], [3, "d"]]);
    await playlists.movePlaylistItem({ playlistId: playlist!.id, itemId: itemC.id, newPosition: 0 });
    expect(await order()).toEqual([[0, "c"], [1, "a"], [2, "b"], [3, "d"]]);
    await playlists.removePlaylistItem({ playlistId: playlist!.id, itemId: itemA.id });
    expect(await order()).toEqual([[0, "c"], [1, "b"], [2, "d"]]);
    expect((await playlists.getPlaylist({ playlistId: playlist!.id })).playlist?.itemCount).toBe(3);
    // Paging through items.
    const first = await playlists.listPlaylistItems({ playlistId: playlist!.id, pageSize: 2 });
    const second = await playlists.listPlaylistItems({ playlistId: playlist!.id, pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.items, ...second.items].map((item) => item.video?.title)).toEqual(["c", "b", "d"]);
    expect(await codeOf(playlists.removePlaylistItem({ playlistId: playlist!.id, itemId: itemA.id }))).toBe(Code.NotFound);
  });

  it("hides private playlists and other people's private videos; only the owner changes a playlist", async () => {
    const { video, playlists, videos } = await setup("pl_access");
    const stranger = await harness.client(PlaylistService, harness.newUser());
    const anonymous = await harness.client(PlaylistService);
    const { playlist: hidden } = await playlists.createPlaylist({ title: "Mine only" });
    expect(hidden?.visibility).toBe(Visibility.PRIVATE);
    expect(await codeOf(stranger.getPlaylist({ playlistId: hidden!.id }))).toBe(Code.NotFound);
    expect(await codeOf(stranger.listPlaylistItems({ playlistId: hidden!.id }))).toBe(Code.NotFound);

    const { playlist: shared } = await playlists.createPlaylist({ title: "Shared", visibility: Visibility.PUBLIC });
    const open = await video("open");
    const secret = await video("secret", Visibility.PRIVATE);
    await playlists.addPlaylistItem({ playlistId: shared!.id, videoId: open });
    await playlists.addPlaylistItem({ playlistId: shared!.id, videoId: secret });
    expect((await playlists.listPlaylistItems({ playlistId: shared!.id })).items.map((item) => item.video?.title)).toEqual(["open", "secret"]);
    expect((await anonymous.listPlaylistItems({ playlistId: shared!.id })).items.map((item) => item.video?.title)).toEqual(["open"]);
    await videos.deleteVideo({ videoId: open });
    expect((await anonymous.listPlaylistItems({ playlistId: shared!.id })).items).toEqual([]);

    expect(await codeOf(stranger.addPlaylistItem({ playlistId: shared!.id, videoId: secret }))).toBe(Code.PermissionDenied);
    expect(await codeOf(stranger.updatePlaylist({ playlist: { id: shared!.id, title: "x" }, updateMask: { paths: ["title"] } }))).toBe(Code.PermissionDenied);
    expect(await codeOf(stranger.deletePlaylist({ playlistId: shared!.id }))).toBe(Code.PermissionDenied);
    // The owner cannot add someone else's private video.
    const other = await setup("pl_other");
    const othersSecret = await other.video("theirs", Visibility.PRIVATE);
    expect(await codeOf(playlists.addPlaylistItem({ playlistId: shared!.id, videoId: othersSecret }))).toBe(Code.NotFound);

    const updated = await playlists.updatePlaylist({ playlist: { id: shared!.id, title: "Renamed", visibility: Visibility.PRIVATE }, updateMask: { paths: ["title", "visibility"] } });
    expect(updated.playlist).toMatchObject({ title: "Renamed", visibility: Visibility.PRIVATE });
    expect(await codeOf(anonymous.getPlaylist({ playlistId: shared!.id }))).toBe(Code.NotFound);
    expect(await codeOf(playlists.updatePlaylist({ playlist: { id: shared!.id }, updateMask: { paths: ["item_count"] } }))).toBe(Code.InvalidArgument);
    await playlists.deletePlaylist({ playlistId: shared!.id });
    expect(await codeOf(playlists.getPlaylist({ playlistId: shared!.id }))).toBe(Code.NotFound);
  });

  it("lists an owner's playlists: all for the owner, public ones for others", async () => {
    const { owner, playlists } = await setup("pl_list");
    await playlists.createPlaylist({ title: "one", visibility: Visibility.PUBLIC });
    await playlists.createPlaylist({ title: "two" });
    await playlists.createPlaylist({ title: "three", visibility: Visibility.PUBLIC });
    await playlists.createPlaylist({ title: "four", visibility: Visibility.UNLISTED });
    const first = await playlists.listPlaylists({ ownerId: owner, pageSize: 2 });
    const second = await playlists.listPlaylists({ ownerId: owner, pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.playlists, ...second.playlists].map((playlist) => playlist.title)).toEqual(["four", "three", "two", "one"]);
    // Anyone else (anonymous or signed in) sees only the PUBLIC ones, paged on their own cursor.
    for (const other of [await harness.client(PlaylistService), await harness.client(PlaylistService, harness.newUser())]) {
      const page = await other.listPlaylists({ ownerId: owner, pageSize: 1 });
      const rest = await other.listPlaylists({ ownerId: owner, pageSize: 1, pageToken: page.nextPageToken });
      expect([...page.playlists, ...rest.playlists].map((playlist) => playlist.title)).toEqual(["three", "one"]);
      expect(rest.nextPageToken).toBe("");
      expect(await codeOf(other.listPlaylists({ ownerId: owner, pageToken: first.nextPageToken }))).toBe(Code.InvalidArgument);
    }
  });
});
