/**
 * The host:port a local client dials to reach a server listening on `host`:
 * a wildcard bind (0.0.0.0, ::) is reached through 127.0.0.1. What runtimes
 * hand back as `address`, so tests and benches need not know the bind host.
 */
export function dialAddress(host: string, port: number): string {
  const local = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
  return local.includes(":") ? `[${local}]:${port}` : `${local}:${port}`;
}
