/**
 * The HTTP side of `lvs-pcap watch --metrics HOST:PORT`: Prometheus' text format at /metrics,
 * and /healthz, which answers 200 while input is flowing (a chunk arrived within `staleSeconds`)
 * and 503 otherwise, so that a systemd watchdog or a load balancer's check sees a dead pipe.
 */
import { createServer, type Server } from 'node:http';
import type { LiveState } from '../check/check.js';
import type { WatchMetrics } from './metrics.js';

export interface MetricsAddress {
  host: string;
  port: number;
}

/**
 * `HOST:PORT`, `:PORT` (every interface), `[IPv6]:PORT`. Returns null when it is none of them;
 * port 0 asks the system for a free port (the one bound is printed).
 */
export function parseListen(text: string): MetricsAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}

export interface MetricsServer {
  /** Where it listens, as a URL for people ("http://127.0.0.1:9127"). */
  readonly url: string;
  close(): Promise<void>;
}

export async function serveMetrics(
  address: MetricsAddress,
  metrics: WatchMetrics,
  health: { state: () => LiveState | null; staleSeconds: number; ended: () => boolean },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err instanceof Error ? err.message : String(err)}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      const why = unhealthy(health.state(), health.staleSeconds, health.ended());
      res.writeHead(why === null ? 200 : 503, { 'Content-Type': 'text/plain' }).end(why === null ? 'ok\n' : `${why}\n`);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: /metrics and /healthz are served here\n');
  });
  // Scrapes are short; a stuck client must not keep the process from exiting.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host === '' ? undefined : address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
  const host = address.host === '' ? '0.0.0.0' : address.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Why /healthz fails, or null: no input yet, input ended, or none for `staleSeconds`. */
export function unhealthy(state: LiveState | null, staleSeconds: number, ended: boolean): string | null {
  if (ended) return 'input ended';
  if (state === null || state.lastInputAt === 0) return 'no input yet';
  const idle = (Date.now() - state.lastInputAt) / 1000;
  if (idle > staleSeconds) return `no input for ${idle.toFixed(0)} s (more than ${staleSeconds} s)`;
  return null;
}
