import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';

export interface WebSocketTransportOptions {
  /** `ws://` or `wss://` URL of an inspection server (the zoom-ws visualizer, `createInspectorServer`…). */
  url: string;
  /** Messages kept while not connected; the oldest are dropped beyond it. @default 500 */
  maxBuffered?: number;
  /** Wait before connecting again after a failed or lost connection. @default 2000 */
  retryDelay?: number;
  /** Time allowed for the WebSocket handshake (bounds a server that accepts TCP and never answers). @default 5000 */
  handshakeTimeout?: number;
  /** On `close()`, how long a connection in progress may take to deliver the buffered messages. @default 1000 */
  flushTimeout?: number;
}

/**
 * A best-effort, fire-and-forget message pipe to an inspection server. Owning the socket (instead of using
 * `@statelyai/inspect`'s WebSocket adapter) is what makes it safe in a service:
 * - nothing of it keeps the process alive: the TCP socket and every timer are `unref`'d, so an unreachable
 *   or hanging URL never holds up the exit of a process that is otherwise done;
 * - it never throws and never emits an unhandled `error`; a failure only means messages are dropped;
 * - it connects lazily (on the first message), retries with a fixed delay, keeps a bounded buffer, and
 *   `close()` really stops it (no retry afterwards).
 */
export class WebSocketTransport {
  readonly #url: string;
  readonly #maxBuffered: number;
  readonly #retryDelay: number;
  readonly #handshakeTimeout: number;
  readonly #flushTimeout: number;
  readonly #buffer: string[] = [];
  #socket: WebSocket | undefined;
  /** Settles when `#socket` has emitted 'close' (ws emits it exactly once, whatever happened before). */
  #socketClosed: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: WebSocketTransportOptions) {
    this.#url = options.url;
    this.#maxBuffered = options.maxBuffered ?? 500;
    this.#retryDelay = options.retryDelay ?? 2_000;
    this.#handshakeTimeout = options.handshakeTimeout ?? 5_000;
    this.#flushTimeout = options.flushTimeout ?? 1_000;
  }

  /** Sends `text`, or buffers it until connected. Never throws; a no-op after `close()`. */
  send(text: string): void {
    if (this.#closing) return;
    if (this.#socket?.readyState === WebSocket.OPEN) {
      this.#socket.send(text, noop);
      return;
    }
    this.#buffer.push(text);
    if (this.#buffer.length > this.#maxBuffered) this.#buffer.shift();
    if (!this.#socket && !this.#retryTimer) this.#connect();
  }

  /**
   * Delivers what is buffered if a connection is open or about to open (within `flushTimeout`), closes the
   * socket and stops retrying. Resolves once the socket is gone. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) await this.#opened(socket);
    if (socket.readyState === WebSocket.OPEN) {
      socket.close(1000);
      // A peer that never answers the close frame: do not wait for ws's own 30 s close timeout.
      const terminate = setTimeout(() => socket.terminate(), this.#flushTimeout).unref();
      await this.#socketClosed;
      clearTimeout(terminate);
      return;
    }
    socket.terminate();
    await this.#socketClosed;
  }

  /** Resolves when `socket` leaves CONNECTING, or after `flushTimeout` (then it is terminated). */
  #opened(socket: WebSocket): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        socket.off('open', done);
        socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        socket.terminate();
        done();
      }, this.#flushTimeout).unref();
      socket.on('open', done);
      socket.on('close', done);
    });
  }

  #connect(): void {
    let socket: WebSocket;
    try {
      const secure = new URL(this.#url).protocol === 'wss:';
      socket = new WebSocket(this.#url, {
        perMessageDeflate: false,
        followRedirects: false,
        handshakeTimeout: this.#handshakeTimeout,
        createConnection: (options: object) => unrefConnection(options as net.NetConnectOpts & tls.ConnectionOptions, secure),
      });
    } catch {
      // A URL ws cannot use (options validation normally catches it): drop everything, do not retry.
      this.#buffer.length = 0;
      this.#closing = Promise.resolve();
      return;
    }
    this.#socket = socket;
    this.#socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', noop); // 'close' follows every 'error'; that is where we react.
    socket.on('open', () => {
      for (const text of this.#buffer.splice(0)) socket.send(text, noop);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.#closing) return;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        if (!this.#closing && this.#buffer.length > 0) this.#connect();
      }, this.#retryDelay).unref();
    });
  }
}

const noop = () => {};

/** The connection ws would open, but unref'd, so that an inspector never keeps the process alive. */
function unrefConnection(options: net.NetConnectOpts & tls.ConnectionOptions, secure: boolean): net.Socket {
  // ws passes http.request-style options, where `path` is the URL path; to net it would mean a Unix socket.
  const connectOptions = { ...options, path: undefined } as net.NetConnectOpts & tls.ConnectionOptions;
  let socket: net.Socket;
  if (secure) {
    if (!connectOptions.servername && connectOptions.servername !== '') {
      const host = (connectOptions as { host?: string }).host ?? '';
      connectOptions.servername = net.isIP(host) ? '' : host;
    }
    socket = tls.connect(connectOptions as tls.ConnectionOptions);
  } else {
    socket = net.connect(connectOptions as net.NetConnectOpts);
  }
  return socket.unref();
}
