import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { createAccessToken, isAccessToken } from './access-token.js';
import { InspectionHub, type CommandHandler, type ServerMessage } from './inspection-hub.js';
import { parseRequestTarget } from './request-target.js';
import { findVisualizerDir, loadStaticFiles } from './static-files.js';

export interface VisualizerServerOptions {
  /** TCP port on 127.0.0.1; `0` picks a free one. @default 0 */
  port?: number;
  /** `embedded` (a simulator and a client run in this process) or `attach` (external clients only). @default 'attach' */
  mode?: 'embedded' | 'attach';
  /** Page commands (fault buttons) and what they answer. Without it, the page shows no fault buttons. */
  commands?: readonly string[];
  onCommand?: CommandHandler;
  /** Shown on the page next to the mode. */
  timings?: Record<string, number>;
  /** The page's folder. @default the package's `visualizer/` */
  assetsDir?: string;
  /**
   * The secret the page, its WebSocket and inspection receivers must present (`?token=`). Pass one only to
   * keep a URL across restarts. @default 32 random bytes per run, base64url
   */
  token?: string;
  /** Bytes of inspection messages kept for pages that open late. @default {@link DEFAULT_REPLAY_BYTES} */
  replayBytes?: number;
}

export interface VisualizerServer {
  /** The page with its token, e.g. `http://127.0.0.1:7700/?token=…`: what `zoom-ws visualize` prints. */
  readonly url: string;
  /**
   * Where inspectors send to: the client option `inspect`, e.g. `ws://127.0.0.1:7700/inspect`. Sending needs
   * no token (a source only writes); a socket on this URL with `?token=` also receives the relay.
   */
  readonly inspectUrl: string;
  readonly port: number;
  /** This run's access token. */
  readonly token: string;
  /** Sends a message to every open page. */
  broadcast(message: ServerMessage): void;
  /** Closes every socket and the server. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 1024 * 1024;
const SECURITY_HEADERS = {
  // The page loads nothing from anywhere but this server: the browser enforces "offline" too.
  'Content-Security-Policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  // The page's URL carries the token: never hand it to another site.
  'Referrer-Policy': 'no-referrer',
};
const TOKEN_REQUIRED = 'This page needs its token: open the URL that `zoom-ws visualize` printed (…/?token=…).\n';

/**
 * Serves the visualizer on 127.0.0.1: the page's static files (with the statechart layouts computed at build
 * time, `visualizer/layouts/`), and WebSockets on `/inspect` (inspection sources) and `/ui` (pages), relayed
 * by an {@link InspectionHub}. The page document and `/ui` need the run's token; the other assets are the
 * package's public files.
 */
export async function startVisualizerServer(options: VisualizerServerOptions = {}): Promise<VisualizerServer> {
  const files = await loadStaticFiles(options.assetsDir ?? findVisualizerDir());
  const token = options.token ?? createAccessToken();
  const server = createServer();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = 0;
  const hub = new InspectionHub({
    hello: () => ({
      type: 'zoom-ws.hello',
      mode: options.mode ?? 'attach',
      commands: options.onCommand ? (options.commands ?? []) : [],
      inspectUrl: `ws://${HOST}:${port}/inspect`,
      ...(options.timings ? { timings: options.timings } : {}),
    }),
    onCommand: options.onCommand,
    ...(options.replayBytes === undefined ? {} : { replayBytes: options.replayBytes }),
  });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!isLocalHost(request.headers.host, port)) return reply(response, 421, 'text/plain', 'Misdirected request');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'Method not allowed');
    const target = parseRequestTarget(request.url);
    if (!target) return reply(response, 400, 'text/plain', 'Bad request target');
    const file = files.get(target.path);
    if (!file) return reply(response, 404, 'text/plain', 'Not found');
    if (file.contentType.startsWith('text/html') && !isAccessToken(target.token, token)) return reply(response, 403, 'text/plain', TOKEN_REQUIRED);
    reply(response, 200, file.contentType, file.body);
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // After 'upgrade' the HTTP server no longer watches this socket: a peer that resets it while we
    // refuse (or before ws takes over) would otherwise raise an unhandled ECONNRESET.
    socket.on('error', () => socket.destroy());
    const target = parseRequestTarget(request.url);
    const kind = target?.path === '/ui' ? 'page' : target?.path === '/inspect' || target?.path === '/' ? 'source' : undefined;
    const authorized = isAccessToken(target?.token, token);
    // Pages must come from this server; sources are processes (no Origin) or this server's own pages.
    const origin = request.headers.origin;
    const trusted = origin === undefined ? kind === 'source' : isLocalOrigin(origin, port);
    if (!kind || !trusted || !isLocalHost(request.headers.host, port) || (kind === 'page' && !authorized)) {
      if (socket.writable) socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
      return;
    }
    // A source without the token only writes: the relay (everything every service sent) is for token holders.
    sockets.handleUpgrade(request, socket, head, (ws) => hub.add(ws, kind, kind === 'page' || authorized));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    inspectUrl: `ws://${HOST}:${port}/inspect`,
    port,
    token,
    broadcast: (message) => hub.broadcast(message),
    close() {
      closing ??= new Promise<void>((resolve) => {
        hub.close();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function reply(response: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  response.writeHead(status, { 'Content-Type': contentType, ...SECURITY_HEADERS });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

/** A `Host` of this server: refuses DNS-rebinding pages that reach 127.0.0.1 under another name. */
function isLocalHost(host: string | undefined, port: number): boolean {
  return host === `${HOST}:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

function isLocalOrigin(origin: string, port: number): boolean {
  return origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;
}
