import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientHealth } from '../client/health.js';

/** What the health server asks on each request. */
export interface HealthSource {
  health(): Pick<ClientHealth, 'live' | 'ready'>;
  /** Cluster only: whether this replica holds the subscription. Without it, `/leader` is 404. */
  isLeader?: () => boolean;
  /** The Prometheus text for `/metrics`; without it, `/metrics` is 404. */
  metrics?: () => Promise<string>;
}

export interface HealthServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Default `--health-host`: probes come from the kubelet on the same pod network namespace, so loopback is enough by default. */
export const DEFAULT_HEALTH_HOST = '127.0.0.1';

/**
 * Serves `/livez` (200 while live, else 503), `/readyz` (200 while ready), `/leader` (200 on the leader, 503
 * on a standby) and `/metrics` (Prometheus text). Each answers a JSON body with the health fields (or the
 * metrics). Never keeps the process alive once closed; open keep-alive connections are cut by `close()`.
 */
export async function startHealthServer(source: HealthSource, options: { port: number; host?: string }): Promise<HealthServer> {
  const host = options.host ?? DEFAULT_HEALTH_HOST;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { error: 'method not allowed' });
    try {
      switch (path) {
        case '/livez': {
          const health = source.health();
          return json(health.live ? 200 : 503, health);
        }
        case '/readyz': {
          const health = source.health();
          return json(health.ready ? 200 : 503, health);
        }
        case '/leader':
          if (!source.isLeader) return json(404, { error: 'not a cluster replica' });
          return json(source.isLeader() ? 200 : 503, { leader: source.isLeader() });
        case '/metrics':
          if (!source.metrics) return json(404, { error: 'metrics are not enabled' });
          source.metrics().then(
            (text) => {
              response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
              response.end(text);
            },
            () => json(500, { error: 'metrics failed' }),
          );
          return;
        default:
          return json(404, { error: 'not found' });
      }
    } catch {
      return json(500, { error: 'health check failed' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * The CLI's `--health-port` wiring: starts the server with `/metrics` from `zoom-ws/metrics` (prom-client is
 * loaded only here, on demand). `register` adds the command's collectors (client, cluster) to the registry.
 */
export async function startCliHealthServer(
  source: Omit<HealthSource, 'metrics'>,
  options: { port: number; host?: string },
  register: (metrics: typeof import('../metrics/index.js'), registry: import('prom-client').Registry) => void,
): Promise<HealthServer> {
  const [metrics, { Registry }] = await Promise.all([import('../metrics/index.js'), import('prom-client')]);
  const registry = new Registry();
  register(metrics, registry);
  // Not a spread: the source is usually a class instance, whose methods live on its prototype.
  const isLeader = source.isLeader;
  const withMetrics: HealthSource = { health: () => source.health(), metrics: () => registry.metrics() };
  if (isLeader) withMetrics.isLeader = () => isLeader.call(source);
  return startHealthServer(withMetrics, options);
}
