/**
 * Loopback "gates" between a client and the simulator, so that a test decides *when* the world answers:
 *
 * - {@link TokenGate}: an HTTP proxy in front of the token endpoint that holds every request until the test
 *   releases it (forwarded to the simulator, which answers as configured) or fails it (the connection is cut).
 * - {@link WsGate}: a TCP proxy in front of the WebSocket endpoint. Each new connection is held (the upgrade
 *   request is not forwarded) until released or destroyed, and its server→client direction can be frozen
 *   (bytes and the end of the stream are buffered) and thawed.
 *
 * Together they remove every race between "what the test does" and "what the network does next": the
 * client can only make progress that the test let through.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, connect, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface HeldTokenRequest {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly body: Buffer;
  gone: boolean;
}

const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'allow'];

export class TokenGate {
  /** Requests seen, whatever happened to them. */
  seen = 0;
  /** Forward at once instead of holding (for tests that only want to count or fail some requests). */
  passThrough = false;
  readonly #held: HeldTokenRequest[] = [];
  readonly #server: Server;
  readonly #target: URL;
  readonly url: string;

  private constructor(server: Server, target: URL) {
    this.#server = server;
    this.#target = target;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${target.pathname}`;
  }

  static async start(targetUrl: string): Promise<TokenGate> {
    let gate: TokenGate | undefined;
    const server = createHttpServer((request, response) => gate!.#onRequest(request, response));
    server.keepAliveTimeout = 1;
    await listen(server);
    gate = new TokenGate(server, new URL(targetUrl));
    return gate;
  }

  /** Requests held and still wanted by their client. */
  get pending(): number {
    return this.#live().length;
  }

  /** Forwards the oldest held request to the simulator; resolves once its answer was written back. */
  release(): Promise<void> {
    const held = this.#live()[0];
    if (!held) return Promise.reject(new Error('no token request is held'));
    this.#remove(held);
    return this.#forward(held);
  }

  /** Cuts the connection of the oldest held request: the client sees a network error. */
  fail(): void {
    const held = this.#live()[0];
    if (!held) throw new Error('no token request is held');
    this.#remove(held);
    held.request.socket.destroy();
  }

  async close(): Promise<void> {
    for (const held of this.#held.splice(0)) held.request.socket.destroy();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #live(): HeldTokenRequest[] {
    return this.#held.filter((held) => !held.gone);
  }

  #remove(held: HeldTokenRequest): void {
    const index = this.#held.indexOf(held);
    if (index >= 0) this.#held.splice(index, 1);
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    this.seen++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => {});
    request.on('end', () => {
      const held: HeldTokenRequest = { request, response, body: Buffer.concat(chunks), gone: false };
      // The client gave up (abort on stop, timeout): the request no longer counts as pending.
      response.on('close', () => {
        held.gone = true;
        this.#remove(held);
      });
      if (this.passThrough) void this.#forward(held);
      else this.#held.push(held);
    });
  }

  #forward(held: HeldTokenRequest): Promise<void> {
    return new Promise<void>((resolve) => {
      const headers: Record<string, string | number> = { 'content-length': held.body.length };
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = held.request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const upstream = httpRequest(
        this.#target,
        { method: held.request.method, headers, agent: false },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('error', () => resolve());
          answer.on('end', () => {
            if (!held.response.destroyed) {
              const out: Record<string, string | number> = { connection: 'close' };
              for (const name of FORWARDED_RESPONSE_HEADERS) {
                const value = answer.headers[name];
                if (typeof value === 'string') out[name] = value;
              }
              const payload = Buffer.concat(body);
              out['content-length'] = payload.length;
              held.response.writeHead(answer.statusCode ?? 502, out).end(payload);
            }
            resolve();
          });
        },
      );
      upstream.on('error', () => {
        held.request.socket.destroy();
        resolve();
      });
      upstream.end(held.body);
    });
  }
}

/** One client connection through the {@link WsGate}, in order of arrival (the n-th socket the client opened). */
export class GateConnection {
  /** The upgrade request has not been forwarded yet. */
  held = true;
  /** The client side is gone. */
  closed = false;
  readonly #client: Socket;
  readonly #connectUpstream: () => Socket;
  #upstream: Socket | undefined;
  readonly #toUpstream: Buffer[] = [];
  #clientEnded = false;
  #frozen = false;
  readonly #toClient: Buffer[] = [];
  #upstreamEnded = false;

  constructor(
    readonly index: number,
    client: Socket,
    connectUpstream: () => Socket,
  ) {
    this.#client = client;
    this.#connectUpstream = connectUpstream;
    // Small frames must not wait for ACKs (Nagle): a close frame held back 40 ms changes what happens next.
    client.setNoDelay(true);
    client.on('error', () => {});
    client.on('data', (chunk: Buffer) => {
      if (this.#upstream) this.#upstream.write(chunk);
      else this.#toUpstream.push(chunk);
    });
    client.on('end', () => {
      // WebSocket peers only end TCP once they are done: nothing held back for this client matters any more
      // (the server socket runs without allowHalfOpen, so our side ends too and 'close' follows).
      this.#clientEnded = true;
      this.#toClient.length = 0;
      this.#upstream?.end();
    });
    client.on('close', () => {
      this.closed = true;
      this.#upstream?.destroy();
    });
  }

  /** Forwards the held upgrade request to the simulator and connects both directions. */
  release(): void {
    if (!this.held) throw new Error(`gate connection ${this.index} was already released`);
    this.held = false;
    if (this.closed) return;
    const upstream = this.#connectUpstream();
    this.#upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => {});
    upstream.on('data', (chunk: Buffer) => {
      if (this.#frozen) this.#toClient.push(chunk);
      else this.#client.write(chunk);
    });
    upstream.on('end', () => {
      this.#upstreamEnded = true;
      if (!this.#frozen) this.#client.end();
    });
    upstream.on('close', () => {
      this.#upstreamEnded = true;
      if (!this.#frozen) this.#client.end();
    });
    for (const chunk of this.#toUpstream.splice(0)) upstream.write(chunk);
    if (this.#clientEnded) upstream.end();
  }

  /** Cuts the client's connection (as a network failure would). */
  destroy(): void {
    this.held = false;
    this.#client.destroy();
    this.#upstream?.destroy();
  }

  /** Holds back everything the simulator sends to the client, including the end of the stream. */
  freeze(): void {
    this.#frozen = true;
  }

  /** Delivers what was held back and lets the server→client direction flow again. */
  thaw(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    if (this.closed) return;
    for (const chunk of this.#toClient.splice(0)) this.#client.write(chunk);
    if (this.#upstreamEnded) this.#client.end();
  }
}

export class WsGate {
  readonly connections: GateConnection[] = [];
  readonly url: string;
  readonly #server: NetServer;

  private constructor(server: NetServer, path: string) {
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}${path}`;
  }

  /**
   * A gate in front of `targetWsUrl` (a `ws://host:port/path` URL). With `passThrough`, connections are
   * released as they arrive (the gate then only counts and can still cut or freeze them).
   */
  static async start(targetWsUrl: string, { passThrough = false } = {}): Promise<WsGate> {
    const target = new URL(targetWsUrl);
    let gate: WsGate | undefined;
    const server = createNetServer((client) => {
      const connection = new GateConnection(gate!.connections.length + 1, client, () =>
        connect({ host: target.hostname, port: Number(target.port), allowHalfOpen: true }),
      );
      gate!.connections.push(connection);
      if (passThrough) connection.release();
    });
    await listen(server);
    gate = new WsGate(server, target.pathname);
    return gate;
  }

  /** Connections whose upgrade is held and whose client is still there. */
  held(): GateConnection[] {
    return this.connections.filter((connection) => connection.held && !connection.closed);
  }

  /** The connection of the client's n-th socket (`socket-n`). */
  forSocket(socketId: string | undefined): GateConnection {
    const index = Number(/^socket-(\d+)$/.exec(socketId ?? '')?.[1]);
    const connection = this.connections[index - 1];
    if (!connection) throw new Error(`no gate connection for ${socketId} (have ${this.connections.length})`);
    return connection;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function listen(server: Server | NetServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
