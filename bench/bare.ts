/**
 * The baselines: what a hand-written client does with nothing but `ws` and `fetch`. Each benchmark compares
 * `ZoomWsClient` with these, in the same process run. They do the minimum the protocol requires and no more:
 * no validation, no duplicate filter, no state machine, no logging.
 */
import WebSocket from 'ws';

export interface BareCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export const BENCH_CREDENTIALS: BareCredentials = { accountId: 'bench-account', clientId: 'bench-client', clientSecret: 'bench-secret' };

export const HEARTBEAT = '{"module":"heartbeat"}';

/** One Server-to-Server OAuth token request with `fetch`. */
export async function bareFetchToken(oauthUrl: string, credentials: BareCredentials = BENCH_CREDENTIALS): Promise<{ token: string; expiresIn: number }> {
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64');
  const response = await fetch(oauthUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'account_credentials', account_id: credentials.accountId }),
  });
  const body = (await response.json()) as { access_token: string; expires_in: number };
  return { token: body.access_token, expiresIn: body.expires_in };
}

export function bareUrl(wsUrl: string, subscriptionId: string, token: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set('subscriptionId', subscriptionId);
  url.searchParams.set('access_token', token);
  return url.toString();
}

export interface BareHandlers {
  /** Every `message` frame, decoded twice. */
  onEvent?: (event: { event: string; payload: unknown }) => void;
  /** `build_connection` success. */
  onOpen?: () => void;
  /** Any frame at all (liveness). */
  onFrame?: () => void;
  onClose?: () => void;
}

/** A bare Zoom socket: two `JSON.parse` calls per event and a callback. */
export function openBare(url: string, handlers: BareHandlers): WebSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024, followRedirects: false });
  const { onEvent, onOpen, onFrame, onClose } = handlers;
  ws.on('message', (data) => {
    onFrame?.();
    const frame = JSON.parse(data.toString()) as { module: string; success: boolean; content: string };
    if (frame.module === 'message') onEvent?.(JSON.parse(frame.content) as { event: string; payload: unknown });
    else if (frame.module === 'build_connection' && frame.success) onOpen?.();
  });
  ws.on('error', () => {});
  if (onClose) ws.on('close', onClose);
  return ws;
}

/** Resolves once `build_connection` succeeded. */
export function openBareAndWait(url: string, handlers: Omit<BareHandlers, 'onOpen'>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = openBare(url, { ...handlers, onOpen: () => resolve(ws) });
    ws.once('close', () => reject(new Error('bare socket closed before build_connection')));
  });
}

/** Closes with 1000 and waits for the close (terminating after `timeoutMs`). */
export function closeBare(ws: WebSocket, timeoutMs = 2000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000);
  });
}

/**
 * The liveness logic any correct client needs, written bare: a heartbeat every `interval`, and a timer armed by
 * the first unanswered heartbeat that declares the socket dead after `timeout` unless a frame arrives.
 */
export class BareKeepAlive {
  #awaiting = false;
  #deadTimer: NodeJS.Timeout | undefined;
  readonly #ticker: NodeJS.Timeout;

  constructor(ws: WebSocket, interval: number, timeout: number, onDead: () => void) {
    this.#ticker = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(HEARTBEAT);
      if (this.#awaiting) return;
      this.#awaiting = true;
      this.#deadTimer = setTimeout(() => {
        this.stop();
        ws.terminate();
        onDead();
      }, timeout);
    }, interval);
  }

  /** Call on every frame received. */
  frame(): void {
    if (!this.#awaiting) return;
    this.#awaiting = false;
    clearTimeout(this.#deadTimer);
  }

  stop(): void {
    clearInterval(this.#ticker);
    clearTimeout(this.#deadTimer);
  }
}
