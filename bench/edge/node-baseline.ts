/**
 * The bench's baseline: a bare node:http server writing the same bytes from
 * memory, with the response headers a player needs that the edge sends too
 * (Content-Type, Content-Length, Cache-Control, a strong ETag, Accept-Ranges
 * on media files, Access-Control-Allow-Origin for players on another
 * origin). Each file's header list is built once at start-up, so a request
 * costs one Map lookup, one writeHead and one end: the least a Node server
 * can do to answer a player. Usage: node node-baseline.ts <port> <root-dir>;
 * serves every file under root at its relative path.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, relative } from "node:path";

const [port = "0", root = "."] = process.argv.slice(2);
const files = new Map<string, { body: Buffer; headers: (string | number)[] }>();
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = join(entry.parentPath, entry.name);
  const body = readFileSync(path);
  const playlist = path.endsWith(".m3u8");
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = [
    ...["Content-Type", playlist ? "application/vnd.apple.mpegurl" : "video/mp2t", "Content-Length", body.length],
    ...(playlist ? [] : ["Accept-Ranges", "bytes"]),
    ...["Cache-Control", playlist ? "public, max-age=30" : "public, max-age=31536000, immutable", "ETag", etag, "Access-Control-Allow-Origin", "*"],
  ];
  files.set(`/${relative(root, path)}`, { body, headers });
}

createServer((req, res) => {
  const file = files.get(req.url ?? "");
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, file.headers);
  res.end(file.body);
}).listen(Number(port), "127.0.0.1", () => console.log(`baseline listening on ${port}`));
