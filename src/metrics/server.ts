import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardFeed } from '../dashboard/feed.js';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_ICON, DASHBOARD_JS } from '../dashboard/page.js';

/** Only the page's own script, style and event stream; no other origin, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/index.html': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/dashboard.css': { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
  '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: DASHBOARD_JS },
  '/favicon.svg': { type: 'image/svg+xml', body: DASHBOARD_ICON },
  '/favicon.ico': { type: 'image/svg+xml', body: DASHBOARD_ICON },
};

/** Options of the HTTP endpoint. */
export interface HttpOptions {
  /** Serve the live dashboard (`/`, `/api/dashboard`, `/api/events`) from this feed. */
  dashboard?: DashboardFeed;
  /** How often `/api/events` sends a snapshot. @defaultValue 1000 */
  eventIntervalMs?: number;
}

function fail(res: ServerResponse, err: unknown): void {
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
  res.end(String(err));
}

/**
 * Serve `/metrics` (Prometheus text), `/healthz` and, with a dashboard feed, the live dashboard on
 * host:port; port 0 picks a free one.
 */
export async function serveMetrics(text: () => Promise<string>, host: string, port: number, opts: HttpOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const feed = opts.dashboard;
  const every = opts.eventIntervalMs ?? 1000;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      text().then((body) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body), (err: unknown) => fail(res, err));
    } else if (path === '/healthz') {
      res.writeHead(200).end('ok');
    } else if (feed && ASSETS[path]) {
      const a = ASSETS[path]!;
      res.writeHead(200, { 'content-type': a.type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }).end(a.body);
    } else if (feed && path === '/api/dashboard') {
      feed.snapshot().then((s) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(s)), (err: unknown) => fail(res, err));
    } else if (feed && path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      let busy = false;
      const send = (): void => {
        if (busy) return; // a slow snapshot skips a beat instead of piling up
        busy = true;
        feed.snapshot().then((s) => res.write(`data: ${JSON.stringify(s)}\n\n`), () => res.write(': snapshot failed\n\n')).finally(() => { busy = false; });
      };
      send();
      const timer = setInterval(send, every);
      req.on('close', () => clearInterval(timer));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try /metrics${feed ? ' or / (the dashboard)' : ''}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections(); // open event streams would hold the close forever
    }),
  };
}
