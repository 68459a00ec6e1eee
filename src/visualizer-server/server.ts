import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { connectionMachine } from '../../machines/connection.machine.js';
import { InspectionHub, type CommandHandler, type ServerMessage } from './inspection-hub.js';
import { layoutStatechart, type DiagramLayout } from './layout.js';
import { findVisualizerDir, loadStaticFiles } from './static-files.js';
import { statechartGraph } from './statechart-graph.js';

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
}

export interface VisualizerServer {
  /** The page, e.g. `http://127.0.0.1:7700/`. */
  readonly url: string;
  /** Where inspectors send to: the client option `inspect`, e.g. `ws://127.0.0.1:7700/inspect`. */
  readonly inspectUrl: string;
  readonly port: number;
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
};

/**
 * Serves the visualizer on 127.0.0.1: the page's static files, `/graph.json` (the connection statechart laid
 * out from the machine definition, computed once), and WebSockets on `/inspect` (inspection sources) and
 * `/ui` (pages), relayed by an {@link InspectionHub}.
 */
export async function startVisualizerServer(options: VisualizerServerOptions = {}): Promise<VisualizerServer> {
  const files = await loadStaticFiles(options.assetsDir ?? findVisualizerDir());
  let layout: Promise<string> | undefined;
  const graphJson = () => (layout ??= layoutStatechart(statechartGraph(connectionMachine)).then((result: DiagramLayout) => JSON.stringify(result)));
  // Start the layout now (it takes a few hundred ms) so the first page does not wait; a failure is
  // reported by the /graph.json request that awaits the same promise.
  graphJson().catch(() => {});

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
  });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!isLocalHost(request.headers.host, port)) return reply(response, 421, 'text/plain', 'Misdirected request');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'Method not allowed');
    const path = new URL(request.url ?? '/', `http://${HOST}`).pathname;
    if (path === '/graph.json') {
      graphJson().then(
        (json) => reply(response, 200, 'application/json', json),
        (error: unknown) => reply(response, 500, 'text/plain', `Layout failed: ${error instanceof Error ? error.message : String(error)}`),
      );
      return;
    }
    const file = files.get(path);
    if (!file) return reply(response, 404, 'text/plain', 'Not found');
    reply(response, 200, file.contentType, file.body);
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', `http://${HOST}`).pathname;
    const kind = path === '/ui' ? 'page' : path === '/inspect' || path === '/' ? 'source' : undefined;
    // Pages must come from this server; sources are processes (no Origin) or this server's own pages.
    const origin = request.headers.origin;
    const trusted = origin === undefined ? kind === 'source' : isLocalOrigin(origin, port);
    if (!kind || !trusted || !isLocalHost(request.headers.host, port)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => hub.add(ws, kind));
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
    url: `http://${HOST}:${port}/`,
    inspectUrl: `ws://${HOST}:${port}/inspect`,
    port,
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
