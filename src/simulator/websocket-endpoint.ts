/**
 * `/ws?subscriptionId=…&access_token=…`: Zoom's real-time event WebSocket (protocol §2–§4), with
 * injectable upgrade faults. Sessions: `build_connection`, heartbeat replies, events, one connection per
 * subscription.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { SimConnection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { FaultQueue } from './fault-queue.js';
import {
  buildConnectionFrame,
  CONNECTED_CONTENT,
  DISPLACED_CONTENT,
  heartbeatRejectionFrame,
  heartbeatReplyFrame,
  messageFrame,
  readClientModule,
  TOKEN_EMPTY_CONTENT,
  UNKNOWN_SUBSCRIPTION_CONTENT,
} from './frames.js';
import type { HookEmitter } from './hooks.js';
import type { SimulatorSettings } from './options.js';
import type { TokenStore } from './token-store.js';
import type { SimulatorHookMap, SimulatorStats, ZoomEventInput } from './types.js';

export const WEBSOCKET_PATH = '/ws';

/** Close code after a refusal or a token rejection; Zoom's is unknown, a normal closure is the plainest guess. */
const REFUSAL_CLOSE_CODE = 1000;

/** Zoom's message size limit is undocumented; client frames are tiny, so anything big is abuse. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

export interface WebSocketEndpointDependencies {
  readonly settings: SimulatorSettings;
  readonly tokens: TokenStore;
  readonly faults: FaultQueue;
  readonly stats: SimulatorStats;
  readonly hooks: HookEmitter<SimulatorHookMap>;
  readonly registry: ConnectionRegistry;
}

export class WebSocketEndpoint {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    // The simulator owns the connection list (it needs per-socket state); ws's own tracking would duplicate it.
    clientTracking: false,
  });
  /** Raw sockets not handed to `ws`: hung upgrades and rejections still flushing. Destroyed by {@link dispose}. */
  private readonly heldSockets = new Set<Duplex>();
  private disposed = false;

  constructor(private readonly deps: WebSocketEndpointDependencies) {}

  /** The `upgrade` listener of the HTTP server. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client resetting the TCP connection must not surface as an uncaught 'error'.
    socket.on('error', ignore);
    if (this.disposed) {
      socket.destroy();
      return;
    }
    this.deps.stats.upgrades += 1;
    if (pathOf(request) !== WEBSOCKET_PATH) {
      this.rejectUpgrade(socket, 404);
      return;
    }
    const fault = this.deps.faults.takeUpgradeFault();
    if (fault?.kind === 'reject') {
      this.rejectUpgrade(socket, fault.status);
      return;
    }
    if (fault?.kind === 'hang') {
      this.hold(socket);
      return;
    }
    this.server.handleUpgrade(request, socket, head, (webSocket) => this.accept(webSocket, request));
  }

  /** Sends one event to every live connection of the subscription; returns how many sockets got it. */
  broadcastEvent(event: ZoomEventInput): number {
    const { event: name, event_ts: eventTs, payload, ...extra } = event;
    const text = messageFrame({ event: name, event_ts: eventTs ?? Date.now(), payload, ...extra });
    let sent = 0;
    for (const connection of this.deps.registry.liveFor(this.deps.settings.subscriptionId)) {
      if (connection.send(text)) sent += 1;
    }
    this.deps.stats.eventsSent += sent;
    // Zoom does not replay: an event nobody received is gone (protocol §5).
    if (sent === 0) this.deps.stats.eventsLost += 1;
    return sent;
  }

  /** Writes `text` as is to every open, non-stalled socket. */
  sendRaw(text: string): number {
    let sent = 0;
    for (const connection of this.deps.registry.open()) {
      if (connection.send(text)) sent += 1;
    }
    return sent;
  }

  /**
   * Tells connections that another consumer took their subscription, then closes them. A stalled socket is
   * destroyed silently: it receives nothing, not even the notice. Returns how many were displaced.
   */
  displace(connections: readonly SimConnection[]): number {
    const { displacementStyle, displacementCloseCode } = this.deps.settings;
    for (const connection of connections) {
      if (connection.stalled) {
        connection.terminate();
        continue;
      }
      if (displacementStyle !== 'close-reason') connection.send(buildConnectionFrame(false, DISPLACED_CONTENT));
      connection.close(displacementCloseCode, displacementStyle === 'frame' ? '' : DISPLACED_CONTENT);
    }
    this.deps.stats.displaced += connections.length;
    return connections.length;
  }

  /** Closes connected sockets whose token has expired (used when `closeOnTokenExpiry` is set). */
  closeExpiredConnections(): void {
    for (const connection of this.deps.registry.open()) {
      if (this.deps.tokens.status(connection.accessToken) === 'expired') this.closeForExpiredToken(connection);
    }
  }

  /** Destroys every socket, hung ones included. Later upgrades are destroyed on arrival. */
  dispose(): void {
    this.disposed = true;
    for (const connection of this.deps.registry.all()) connection.terminate();
    for (const socket of this.heldSockets) socket.destroy();
    this.heldSockets.clear();
    this.server.close();
  }

  private accept(webSocket: WebSocket, request: IncomingMessage): void {
    const { registry, stats, hooks, settings, tokens } = this.deps;
    const query = queryOf(request);
    const connection = new SimConnection(
      registry.nextId(),
      query.get('subscriptionId') ?? '',
      query.get('access_token') ?? '',
      Date.now(),
      webSocket,
    );
    registry.add(connection);
    // Protocol errors from the client (bad UTF-8, oversized frame): ws closes the socket itself.
    webSocket.on('error', ignore);
    webSocket.on('message', (data, isBinary) => this.onClientFrame(connection, data, isBinary));
    webSocket.on('close', (code, reason) => {
      connection.markClosed();
      registry.retire(connection);
      hooks.emit('close', {
        id: connection.id,
        subscriptionId: connection.subscriptionId,
        code,
        reason: reason.toString('utf8'),
      });
    });

    const refusal = this.refusalFor(connection);
    if (refusal !== undefined) {
      stats.connectionsRefused += 1;
      connection.send(buildConnectionFrame(false, refusal));
      connection.close(REFUSAL_CLOSE_CODE);
      return;
    }
    connection.send(buildConnectionFrame(true, CONNECTED_CONTENT));
    connection.markConnected();
    stats.connections += 1;
    // One connection per subscription: the newcomer wins (protocol §2).
    this.displace(registry.openFor(connection.subscriptionId).filter((other) => other !== connection));
    if (settings.closeOnTokenExpiry) {
      const expiresAt = tokens.expiresAt(connection.accessToken);
      if (expiresAt !== undefined) connection.scheduleExpiry(expiresAt, () => this.closeForExpiredToken(connection));
    }
    hooks.emit('connection', connection.info());
  }

  /** Why the connection must be refused, or `undefined` to accept it. Queued refusals come first. */
  private refusalFor(connection: SimConnection): string | undefined {
    const queued = this.deps.faults.takeRefusal();
    if (queued !== undefined) return queued;
    if (!connection.accessToken) return TOKEN_EMPTY_CONTENT;
    if (this.deps.tokens.status(connection.accessToken) !== 'valid') return this.deps.settings.rejectionWording;
    if (connection.subscriptionId !== this.deps.settings.subscriptionId) return UNKNOWN_SUBSCRIPTION_CONTENT;
    return undefined;
  }

  /** Only heartbeats mean anything; other frames are ignored, as Zoom does not document any. */
  private onClientFrame(connection: SimConnection, data: RawData, isBinary: boolean): void {
    if (readClientModule(data, isBinary) !== 'heartbeat' || !connection.open) return;
    const { stats, tokens, hooks, settings } = this.deps;
    stats.heartbeats += 1;
    connection.heartbeats += 1;
    let outcome: 'replied' | 'ignored' | 'token-rejected';
    if (connection.stalled) {
      outcome = 'ignored';
    } else if (tokens.status(connection.accessToken) === 'revoked') {
      connection.send(heartbeatRejectionFrame(settings.rejectionWording));
      connection.close(REFUSAL_CLOSE_CODE);
      outcome = 'token-rejected';
    } else {
      connection.send(heartbeatReplyFrame());
      outcome = 'replied';
    }
    hooks.emit('heartbeat', { id: connection.id, subscriptionId: connection.subscriptionId, outcome });
  }

  /** A stalled socket receives nothing, not even a close frame: it is destroyed instead. */
  private closeForExpiredToken(connection: SimConnection): void {
    if (connection.stalled) connection.terminate();
    else connection.close(REFUSAL_CLOSE_CODE, this.deps.settings.rejectionWording);
  }

  /** Answers the upgrade request with a plain HTTP status and closes the socket once it is flushed. */
  private rejectUpgrade(socket: Duplex, status: number): void {
    this.hold(socket);
    const body = STATUS_CODES[status] ?? 'Error';
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private hold(socket: Duplex): void {
    this.heldSockets.add(socket);
    socket.once('close', () => this.heldSockets.delete(socket));
    // The HTTP server keeps sockets half-open: once the client has hung up, nobody is left to answer.
    socket.once('end', () => socket.destroy());
  }
}

function ignore(): void {}

function parseRequestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://simulator');
  } catch {
    return undefined;
  }
}

function pathOf(request: IncomingMessage): string | undefined {
  return parseRequestUrl(request)?.pathname;
}

function queryOf(request: IncomingMessage): URLSearchParams {
  return parseRequestUrl(request)?.searchParams ?? new URLSearchParams();
}
