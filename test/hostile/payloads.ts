// Malformed inputs for the hostile-input tests: what a careless or hostile
// client sends to a public entry. Deterministic (seeded), so a failure
// reproduces.

/** A small seeded PRNG (mulberry32): the same seed gives the same bytes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n random bytes from the generator. */
export function randomBytesFrom(random: () => number, n: number): Buffer {
  const bytes = Buffer.alloc(n);
  for (let index = 0; index < n; index++) bytes[index] = Math.floor(random() * 256);
  return bytes;
}

/** Protobuf binary bodies that no valid client sends, by name. */
export function malformedProtobuf(seed: number): Record<string, Buffer> {
  const random = seededRandom(seed);
  return {
    random: randomBytesFrom(random, 1 + Math.floor(random() * 300)),
    // Field 1, length-delimited, claims 100 bytes and has 3.
    truncated: Buffer.from([0x0a, 0x64, 0x41, 0x41, 0x41]),
    // Field 1 as a string of bytes that are not UTF-8.
    invalidUtf8: Buffer.from([0x0a, 0x04, 0xff, 0xfe, 0xc3, 0x28]),
    // A varint that never ends.
    endlessVarint: Buffer.from([0x08, ...Array.from({ length: 20 }, () => 0xff)]),
    // Field number 0 and wire type 7 do not exist.
    badTag: Buffer.from([0x07, 0x01]),
    // A group start with no end, nested a thousand times.
    deepGroups: Buffer.from(Array.from({ length: 1000 }, () => 0x0b)),
  };
}

/** Connect JSON bodies that are not what the method takes, by name. */
export function malformedJson(firstField: string | undefined): Record<string, Buffer> {
  const field = firstField ?? "x";
  return {
    notJson: Buffer.from("this is not json"),
    wrongType: Buffer.from(JSON.stringify({ [field]: { nested: [1, 2, { deeper: true }] } })),
    unknownField: Buffer.from(JSON.stringify({ noSuchField: 1 })),
    array: Buffer.from("[1,2,3]"),
    invalidUtf8: Buffer.concat([Buffer.from(`{"${field}":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
    deepNesting: Buffer.from(`${"[".repeat(100_000)}${"]".repeat(100_000)}`),
    hugeNumber: Buffer.from(`{"${field}": 1${"0".repeat(5000)}}`),
    truncated: Buffer.from(`{"${field}": "abc`),
  };
}

/** A gRPC length-prefixed message frame (flag byte, 4-byte big-endian length, payload). */
export function grpcFrame(payload: Buffer, options: { compressed?: boolean; declaredLength?: number } = {}): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(options.compressed ? 1 : 0, 0);
  header.writeUInt32BE(options.declaredLength ?? payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** Request paths the HLS edge must refuse, by name. */
export function hostileEdgePaths(videoId: string): Record<string, string> {
  return {
    dotDot: `/v/${videoId}/../../etc/passwd`,
    encodedDotDot: `/v/${videoId}/%2e%2e/%2e%2e/etc/passwd`,
    doubleEncoded: `/v/${videoId}/%252e%252e/master.m3u8`,
    doubleSlash: `/v//${videoId}//master.m3u8`,
    encodedSlash: `/v/${videoId}%2fmaster.m3u8`,
    nul: `/v/${videoId}/master.m3u8%00.jpg`,
    backslash: `/v/${videoId}/..\\..\\master.m3u8`,
    overlong: `/v/${videoId}/${"a".repeat(8000)}.ts`,
    notAVideoId: "/v/not-a-uuid/master.m3u8",
    unicode: `/v/${videoId}/m\u00e4ster.m3u8`,
    absoluteUrl: `http://evil.example/v/${videoId}/master.m3u8`,
    asterisk: "*",
    badToken: `/v/${videoId}/t/${"x".repeat(500)}/master.m3u8`,
    objectKeyOutsideLayout: `/v/${videoId}/720p/../../../other/seg_00000.ts`,
  };
}
