import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { codeOf } from "../../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";

let harness: CatalogHarness;
beforeAll(async () => {
  harness = await startCatalogHarness();
});
afterAll(async () => {
  await harness.close();
});


describe("ChannelService", () => {
  it("creates a channel for the caller and reads it by id and handle", async () => {
    const alice = harness.newUser();
    const client = await harness.client(ChannelService, alice);
    const { channel } = await client.createChannel({ handle: "alice_cooks", title: "Alice cooks", description: "recipes" });
    expect(channel?.ownerId).toBe(alice);
    const anonymous = await harness.client(ChannelService);
    expect((await anonymous.getChannel({ lookup: { case: "channelId", value: channel!.id } })).channel?.title).toBe("Alice cooks");
    expect((await anonymous.getChannel({ lookup: { case: "handle", value: "alice_cooks" } })).channel?.id).toBe(channel!.id);
  });

  it("rejects a taken handle, bad input and anonymous creation", async () => {
    const client = await harness.client(ChannelService, harness.newUser());
    await client.createChannel({ handle: "taken_handle", title: "one" });
    expect(await codeOf(client.createChannel({ handle: "taken_handle", title: "two" }))).toBe(Code.AlreadyExists);
    expect(await codeOf(client.createChannel({ handle: "Bad Handle!", title: "x" }))).toBe(Code.InvalidArgument);
    expect(await codeOf((await harness.client(ChannelService)).createChannel({ handle: "anon_chan", title: "x" }))).toBe(Code.Unauthenticated);
    expect(await codeOf(client.getChannel({ lookup: { case: "handle", value: "no_such_handle" } }))).toBe(Code.NotFound);
  });

  it("lets only the owner update (field mask) and delete", async () => {
    const owner = await harness.client(ChannelService, harness.newUser());
    const other = await harness.client(ChannelService, harness.newUser());
    const { channel } = await owner.createChannel({ handle: "mask_test", title: "Before", description: "keep" });
    const updated = await owner.updateChannel({ channel: { id: channel!.id, title: "After", description: "ignored" }, updateMask: { paths: ["title"] } });
    expect(updated.channel?.title).toBe("After");
    expect(updated.channel?.description).toBe("keep");
    expect(await codeOf(owner.updateChannel({ channel: { id: channel!.id, title: "x" }, updateMask: { paths: ["owner_id"] } }))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.updateChannel({ channel: { id: channel!.id, title: "" }, updateMask: { paths: ["title"] } }))).toBe(Code.InvalidArgument);
    expect(await codeOf(other.updateChannel({ channel: { id: channel!.id, title: "Hijack" }, updateMask: { paths: ["title"] } }))).toBe(Code.PermissionDenied);
    expect(await codeOf(other.deleteChannel({ channelId: channel!.id }))).toBe(Code.PermissionDenied);
    await owner.deleteChannel({ channelId: channel!.id });
    expect(await codeOf(owner.getChannel({ lookup: { case: "channelId", value: channel!.id } }))).toBe(Code.NotFound);
  });

  it("lists channels newest first with a cursor, optionally by owner", async () => {
    const bob = harness.newUser();
    const client = await harness.client(ChannelService, bob);
    for (let index = 0; index < 5; index++) await client.createChannel({ handle: `bob_${index}`, title: `Bob ${index}` });
    const first = await client.listChannels({ ownerId: bob, pageSize: 2 });
    expect(first.channels.map((channel) => channel.handle)).toEqual(["bob_4", "bob_3"]);
    const second = await client.listChannels({ ownerId: bob, pageSize: 2, pageToken: first.nextPageToken });
    expect(second.channels.map((channel) => channel.handle)).toEqual(["bob_2", "bob_1"]);
    const third = await client.listChannels({ ownerId: bob, pageSize: 2, pageToken: second.nextPageToken });
    expect(third.channels.map((channel) => channel.handle)).toEqual(["bob_0"]);
    expect(third.nextPageToken).toBe("");
    expect(await codeOf(client.listChannels({ ownerId: bob, pageToken: "garbage!" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(client.listChannels({ pageToken: first.nextPageToken }))).toBe(Code.InvalidArgument);
  });
});
