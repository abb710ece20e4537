import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serve `/metrics` (Prometheus text) and `/healthz` on host:port; port 0 picks a free one. */
export async function serveMetrics(text: () => Promise<string>, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      text().then(
        (body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (req.url === '/healthz') res.writeHead(200).end('ok');
    else res.writeHead(404).end('not found: try /metrics');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
