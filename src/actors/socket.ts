import { fromCallback } from 'xstate';
import WebSocket from 'ws';
import type { SocketCommand, SocketEvent, SocketInput } from '../../machines/connection.types.js';
import type { ZoomEvent } from '../protocol/events.js';
import { classifyRefusal, decodeFrame, HEARTBEAT_FRAME, isDisplacement } from '../protocol/frames.js';
import { describeServerText, redactUrl } from '../protocol/redact.js';

/**
 * Where a socket hands what does not concern the lifecycle. `event` is the per-event fast path: it is called
 * synchronously for every decoded event in arrival order, without a statechart transition.
 */
export interface SocketSink {
  event(event: ZoomEvent, content: string, socketId: string): void;
  skipped(reason: string, socketId: string): void;
  heartbeatRoundTrip(ms: number): void;
  /** Told the URL a socket is about to open, with `access_token=[redacted]`: safe to log. */
  connecting?(redactedUrl: string, socketId: string): void;
}

export interface SocketActorConfig {
  wsUrl: string;
  subscriptionId: string;
  /** Largest frame accepted, in bytes; a larger one closes the socket with 1009 (bounded memory). */
  maxPayload: number;
  /** How long a graceful close (1000) may take before the socket is terminated. */
  closeTimeout: number;
  /** Scrubs known secrets from server text (close reasons, refusals) before it becomes a failure detail. @default access_token values only */
  scrub?: (text: string) => string;
  /** The agent that opens the connection, e.g. a proxy tunnel; `undefined` connects directly. */
  agent?: (url: string) => import('node:http').Agent | undefined;
  sink: SocketSink;
  /**
   * Told about a socket that is closing after its actor stopped (replaced by a rotation, or stopped while
   * open), with a promise that settles once it is closed or terminated — the client awaits these in `stop()` —
   * and tells how it ended: a replaced socket that Zoom had already dropped means events may have been lost.
   */
  onRetiring?: (closed: Promise<RetiredSocketEnd>, socket: RetiringSocket) => void;
}

/** A socket whose actor stopped while it was still open or closing. */
export interface RetiringSocket {
  socketId: string;
  /** It had received `build_connection` success: it carried the subscription. */
  wasLive: boolean;
}

/** How a retired socket ended. */
export interface RetiredSocketEnd {
  /**
   * It ended as a handover should: our close (1000) answered, or Zoom's displacement notice (close reason or
   * frame). Otherwise it was dropped, closed for another reason, or had to be terminated.
   */
  clean: boolean;
  /** e.g. `closed with code 1006`. */
  detail: string;
  /** Epoch ms of the last frame it received: events after it may not have reached it. */
  lastFrameAt: number;
}

/** The WebSocket URL with the subscription and the token in the query, as Zoom requires (protocol §2). */
export function connectionUrl(wsUrl: string, subscriptionId: string, token: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set('subscriptionId', subscriptionId);
  url.searchParams.set('access_token', token);
  return url.toString();
}

const UNEXPECTED_RESPONSE = /Unexpected server response: (\d+)/;
const noop = () => {};

/**
 * The `socket` actor: one WebSocket for one token. It reports to the machine only what changes the
 * lifecycle — `READY` (build_connection success), `REFUSED`, `ALIVE` (first frame after a heartbeat) and
 * exactly one terminal `DOWN`, however many of `error`/`close` the socket emits. Stopping the actor closes
 * the socket with 1000 and terminates it if the close handshake does not finish within `closeTimeout`.
 */
export function createSocketActor(config: SocketActorConfig) {
  return fromCallback<SocketCommand, SocketInput>((args) => runSocket(config, args));
}

/** What xstate hands a `fromCallback` actor, as far as {@link runSocket} needs it. */
export interface SocketActorArgs {
  input: SocketInput;
  sendBack: (event: SocketEvent) => void;
  receive: (listener: (command: SocketCommand) => void) => void;
}

/**
 * The body of the `socket` actor, for callers that build the actor themselves (the client shares one provided
 * machine between all its instances and looks the config up per actor system). Returns the cleanup.
 */
export function runSocket(config: SocketActorConfig, { input, sendBack, receive }: SocketActorArgs): () => void {
  const { socketId } = input;
  // Server text (close reasons, refusals) is scrubbed, escaped and bounded before it becomes a detail.
  const serverText = (text: string) => {
    const scrubbed = redactUrl(text).split(input.token.value.reveal()).join('[redacted]');
    return describeServerText(config.scrub ? config.scrub(scrubbed) : scrubbed);
  };
  let ws: WebSocket;
  try {
    const url = connectionUrl(config.wsUrl, config.subscriptionId, input.token.value.reveal());
    config.sink.connecting?.(redactUrl(url), socketId);
    ws = new WebSocket(url, {
      maxPayload: config.maxPayload,
      perMessageDeflate: false,
      followRedirects: false,
      ...(config.agent ? { agent: config.agent(url) } : {}),
    });
  } catch (error) {
    sendBack({ type: 'SOCKET.DOWN', socketId, reason: 'error', detail: redactUrl(String((error as Error).message)) });
    return noop;
  }

  let finished = false;
  let ready = false;
  let awaitingFrame = false;
  let heartbeatSentAt = 0;
  // The last sign of life of this socket: an outage it reports starts here.
  let lastFrameAt = Date.now();

  // One verdict per socket: error+close, or a refusal followed by a close, must not schedule two reconnects.
  const finish = (event: Extract<SocketEvent, { type: 'SOCKET.DOWN' | 'SOCKET.REFUSED' }>) => {
    if (finished) return;
    finished = true;
    sendBack({ ...event, lastFrameAt });
  };

  ws.on('message', (data, isBinary) => {
    lastFrameAt = Date.now();
    if (finished) {
      deliverLateEvent(data, isBinary);
      return;
    }
    if (awaitingFrame) {
      awaitingFrame = false;
      sendBack({ type: 'SOCKET.ALIVE', socketId });
    }
    if (isBinary) {
      config.sink.skipped('binary frame', socketId);
      return;
    }
    const frame = decodeFrame(data.toString());
    switch (frame.kind) {
      case 'event':
        config.sink.event(frame.event, frame.content, socketId);
        return;
      case 'heartbeat':
        if (heartbeatSentAt !== 0) {
          config.sink.heartbeatRoundTrip(performance.now() - heartbeatSentAt);
          heartbeatSentAt = 0;
        }
        return;
      case 'connected':
        if (!ready) {
          ready = true;
          sendBack({ type: 'SOCKET.READY', socketId });
        }
        return;
      case 'refused':
        if (frame.cause === 'displaced') finish({ type: 'SOCKET.DOWN', socketId, reason: 'displaced', detail: serverText(frame.content) });
        else finish({ type: 'SOCKET.REFUSED', socketId, cause: frame.cause, detail: `${frame.module}: ${frame.content ? serverText(frame.content) : 'no reason given'}` });
        return;
      case 'skipped':
        config.sink.skipped(frame.reason, socketId);
    }
  });

  ws.on('close', (code: number, reasonBuffer: Buffer) => {
    const reason = reasonBuffer.toString();
    const detail = `closed with code ${code}${reason ? ` (${serverText(reason)})` : ''}`;
    // The close reason can say what a refusal frame would: a displacement, or a rejected token (then a fresh
    // token is fetched rather than retrying with the same one).
    const cause = classifyRefusal(reason);
    finish({ type: 'SOCKET.DOWN', socketId, reason: cause === 'refused' ? 'closed' : cause, detail });
  });

  ws.on('error', (error: Error) => {
    const message = serverText(error.message);
    const status = UNEXPECTED_RESPONSE.exec(message)?.[1];
    if (status === undefined) {
      finish({ type: 'SOCKET.DOWN', socketId, reason: 'error', detail: message });
      return;
    }
    // 401/403 on the upgrade means Zoom did not accept the token: fetch a new one rather than reuse it.
    const reason = status === '401' || status === '403' ? 'token-rejected' : 'handshake-failed';
    finish({ type: 'SOCKET.DOWN', socketId, reason, detail: `handshake refused with HTTP ${status}` });
  });

  // Zoom's displacement notice after our stop: the normal end of a replaced socket, whatever the close code.
  let displacedAfterStop = false;
  // After the actor stopped, a replaced socket may still hold events Zoom sent before it switched to the
  // new one: deliver them (the duplicate filter drops any the new socket also carried), report nothing else.
  const deliverLateEvent = (data: WebSocket.RawData, isBinary: boolean) => {
    if (isBinary) return;
    const frame = decodeFrame(data.toString());
    if (frame.kind === 'event') config.sink.event(frame.event, frame.content, socketId);
    if (frame.kind === 'refused' && frame.cause === 'displaced') displacedAfterStop = true;
  };

  const sendHeartbeat = () => {
    ws.send(HEARTBEAT_FRAME);
    awaitingFrame = true;
    if (heartbeatSentAt === 0) heartbeatSentAt = performance.now();
  };
  // A socket promoted by a handover (the old one was displaced before this one's handshake finished) is
  // asked for a heartbeat while still connecting: send it once open, or the machine waits for an answer
  // that can never come and declares the fresh connection dead.
  let heartbeatOwed = false;
  ws.on('open', () => {
    lastFrameAt = Date.now();
    if (!heartbeatOwed) return;
    heartbeatOwed = false;
    sendHeartbeat();
  });

  receive((command) => {
    if (command.type === 'HEARTBEAT') {
      if (ws.readyState === WebSocket.OPEN) sendHeartbeat();
      else if (ws.readyState === WebSocket.CONNECTING) heartbeatOwed = true;
      return;
    }
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'client closing');
  });

  return () => {
    finished = true;
    ws.removeAllListeners('close');
    ws.removeAllListeners('error');
    // Late errors (e.g. an aborted handshake) are emitted after we stop listening; without a listener ws would throw.
    ws.on('error', noop);
    // CLOSING too: Zoom may have dropped or displaced it a moment ago, and how it ended matters (see retire).
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CLOSING) {
      // Zoom closing it first (a close frame already in, or a token rejection such as an expiry) means it was
      // dropped, even with code 1000: the events between its last frame and the handover reached neither socket.
      const serverClosedFirst = ws.readyState === WebSocket.CLOSING;
      const ended = retire(ws, config.closeTimeout).then(({ code, reason }): RetiredSocketEnd => ({
        clean: isDisplacement(reason) || displacedAfterStop || (code === 1000 && !serverClosedFirst && classifyRefusal(reason) !== 'token-rejected'),
        detail: `closed with code ${code}${reason ? ` (${serverText(reason)})` : ''}`,
        lastFrameAt,
      }));
      config.onRetiring?.(ended, { socketId, wasLive: ready });
    } else if (ws.readyState !== WebSocket.CLOSED) {
      ws.removeAllListeners('message');
      ws.terminate();
    }
  };
}

/**
 * Closes with 1000 and terminates if the close handshake takes longer than `closeTimeout` (or at once if the
 * socket is already closing). Resolves with the close as `ws` saw it: 1000 when our close was answered, 1006 when the
 * connection was dropped or had to be terminated, or whatever the server closed with first.
 */
function retire(ws: WebSocket, closeTimeout: number): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    // Already closing: the server's close frame (if any) is in; ws reports its code and reason after terminate.
    const closing = ws.readyState === WebSocket.CLOSING;
    const terminateTimer = closing ? undefined : setTimeout(() => ws.terminate(), closeTimeout);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(terminateTimer);
      ws.removeAllListeners('message');
      resolve({ code, reason: reason.toString() });
    });
    if (closing) ws.terminate();
    else ws.close(1000, 'client closing');
  });
}
