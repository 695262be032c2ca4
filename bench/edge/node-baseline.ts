/**
 * The bench's baseline: a bare node:http server writing the same bytes from
 * memory. Usage: node node-baseline.ts <port> <root-dir>; serves every file
 * under root at its relative path.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, relative } from "node:path";

const [port = "0", root = "."] = process.argv.slice(2);
const files = new Map<string, { body: Buffer; type: string }>();
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = join(entry.parentPath, entry.name);
  const type = path.endsWith(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp2t";
  files.set(`/${relative(root, path)}`, { body: readFileSync(path), type });
}

createServer((req, res) => {
  const file = files.get(req.url ?? "");
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "Content-Type": file.type, "Content-Length": file.body.length });
  res.end(file.body);
}).listen(Number(port), "127.0.0.1", () => console.log(`baseline listening on ${port}`));
