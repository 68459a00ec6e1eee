/** Wires the endpoints, the fault injection and the player onto one loopback HTTP server. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionRegistry } from './connection-registry.js';
import { EventPlayer } from './event-player.js';
import { FaultQueue } from './fault-queue.js';
import { createSimulatorFaults } from './faults.js';
import { HookEmitter } from './hooks.js';
import { resolveSettings } from './options.js';
import { TOKEN_PATH, TokenEndpoint } from './token-endpoint.js';
import { TokenStore } from './token-store.js';
import type { SimulatorHookMap, SimulatorStats, ZoomSimulator, ZoomSimulatorOptions } from './types.js';
import { WEBSOCKET_PATH, WebSocketEndpoint } from './websocket-endpoint.js';

/**
 * Starts a Zoom simulator: the token endpoint and the event WebSocket on one HTTP server.
 * Resolves once it is listening; rejects if it cannot listen (e.g. the port is taken).
 */
export async function createZoomSimulator(options: ZoomSimulatorOptions = {}): Promise<ZoomSimulator> {
  const settings = resolveSettings(options);
  const stats: SimulatorStats = {
    tokenRequests: 0,
    tokensIssued: 0,
    tokenFailures: 0,
    upgrades: 0,
    connections: 0,
    connectionsRefused: 0,
    heartbeats: 0,
    eventsSent: 0,
    eventsLost: 0,
    displaced: 0,
  };
  const hooks = new HookEmitter<SimulatorHookMap>();
  const tokens = new TokenStore();
  const queue = new FaultQueue();
  const registry = new ConnectionRegistry();
  const tokenEndpoint = new TokenEndpoint({ settings, tokens, faults: queue, stats, hooks });
  const websocket = new WebSocketEndpoint({ settings, tokens, faults: queue, stats, hooks, registry });
  const faults = createSimulatorFaults({ settings, queue, registry, tokens, websocket });
  const player = new EventPlayer((event) => websocket.broadcastEvent(event), settings.deliveryJitter);

  const server = createServer((request, response) => routeHttp(request, response, tokenEndpoint));
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => websocket.handleUpgrade(request, socket, head));
  await listen(server, settings.port, settings.host);

  const port = (server.address() as AddressInfo).port;
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const oauthUrl = `http://${hostForUrl}:${port}${TOKEN_PATH}`;
  const wsUrl = `ws://${hostForUrl}:${port}${WEBSOCKET_PATH}`;
  const credentials = Object.freeze({
    accountId: settings.accountId,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    subscriptionId: settings.subscriptionId,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      player.stopAll();
      tokenEndpoint.dispose();
      websocket.dispose();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() only stops accepting; keep-alive and in-flight HTTP connections must be cut explicitly.
      server.closeAllConnections();
      await closed;
    })();
    return stopping;
  };

  return {
    oauthUrl,
    wsUrl,
    port,
    credentials,
    env: Object.freeze({
      ZOOM_ACCOUNT_ID: settings.accountId,
      ZOOM_CLIENT_ID: settings.clientId,
      ZOOM_CLIENT_SECRET: settings.clientSecret,
      ZOOM_SUBSCRIPTION_ID: settings.subscriptionId,
      ZOOM_OAUTH_URL: oauthUrl,
      ZOOM_WS_URL: wsUrl,
    }),
    emit: (event) => websocket.broadcastEvent(event),
    sendRaw: (text) => websocket.sendRaw(text),
    play: (events, playOptions) => player.play(events, playOptions),
    connections: () => registry.all().map((connection) => connection.info()),
    liveConnectionCount: () => registry.liveFor(settings.subscriptionId).length,
    get stats() {
      return { ...stats };
    },
    faults,
    on: (hook, listener) => hooks.on(hook, listener),
    stop,
  };
}

function routeHttp(request: IncomingMessage, response: ServerResponse, tokenEndpoint: TokenEndpoint): void {
  let path: string | undefined;
  try {
    path = new URL(request.url ?? '/', 'http://simulator').pathname;
  } catch {
    path = undefined;
  }
  if (path === TOKEN_PATH) {
    tokenEndpoint.handle(request, response);
    return;
  }
  request.resume();
  response
    .writeHead(404, { 'content-type': 'application/json;charset=UTF-8' })
    .end(JSON.stringify({ reason: 'Not Found', error: 'not_found' }));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
