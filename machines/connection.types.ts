import type { AccessToken } from '../src/protocol/secret.js';

/** Timings the statechart's named delays read. All in milliseconds. */
export interface ConnectionTimings {
  heartbeatInterval: number;
  heartbeatTimeout: number;
  backoffInitial: number;
  backoffMax: number;
  refreshMargin: number;
  connectTimeout: number;
  stablePeriod: number;
  displacedDelay: number;
  closeTimeout: number;
  /** Consecutive failed attempts before `failed`; `null` retries forever. */
  maxAttempts: number | null;
}

/** Why the subscription is not (or no longer) live. */
export type FailureReason =
  | 'token-fetch-failed'
  | 'token-rejected'
  | 'refused'
  | 'connect-timeout'
  | 'handshake-failed'
  | 'closed'
  | 'error'
  | 'dead'
  | 'displaced';

export interface Failure {
  reason: FailureReason;
  /** Server-requested minimum wait (HTTP `Retry-After`), if any. */
  retryAfterMs?: number;
  /** Human-readable, secret-free detail (close code, Zoom's wording, HTTP status…). */
  detail: string;
  at: number;
}

/** A period in which the subscription was not live after having been live. Events in it are lost. */
export interface Outage {
  /**
   * Epoch ms of the last sign of life before the subscription was lost: the last frame the lost socket
   * received (for a connection declared dead, the last answered heartbeat). Events after it may be lost,
   * including those Zoom dropped before the loss could be noticed. Never later than the detection.
   */
  from: number;
  /** Epoch ms when it was live again (or the client stopped or failed). */
  to: number;
  reason: FailureReason;
  detail: string;
  /** How the outage ended. */
  endedBy: 'reconnected' | 'stopped' | 'failed';
}

/** Why the machine reached `failed`. */
export type FatalCause =
  | { kind: 'auth'; error: unknown }
  | { kind: 'retries-exhausted'; attempts: number; lastFailure: Failure | undefined };

export interface ConnectionContext {
  timings: ConnectionTimings;
  token: AccessToken | undefined;
  /** Consecutive failed attempts; reset once a connection stayed open for `stablePeriod`. */
  attempt: number;
  /** Delay the current `backoff` waits, fixed on entry. */
  retryDelay: number;
  lastFailure: Failure | undefined;
  /** Sockets spawned so far; names each socket so late events of a replaced one are recognised. */
  socketCount: number;
  activeSocketId: string | undefined;
  /** The make-before-break socket opened with `pendingToken` during a refresh. */
  pendingSocketId: string | undefined;
  pendingToken: AccessToken | undefined;
  refreshAttempt: number;
  refreshRetryDelay: number;
  hasBeenLive: boolean;
  /** Epoch ms of the last proof that the active socket carried the subscription (build_connection, a frame after a heartbeat). */
  lastAliveAt: number | undefined;
  /** Set while an outage is in progress; its `at` is when the subscription was last known live. */
  outageSince: Failure | undefined;
  fatal: FatalCause | undefined;
}

export interface ConnectionInput {
  timings: ConnectionTimings;
}

/**
 * Events the socket actor sends to the machine. Each names its socket. `lastFrameAt` (epoch ms of the last
 * frame the socket received, or of its opening) dates the start of an outage.
 */
export type SocketEvent =
  | { type: 'SOCKET.READY'; socketId: string }
  | { type: 'SOCKET.REFUSED'; socketId: string; cause: 'token-rejected' | 'refused'; detail: string; lastFrameAt?: number }
  | { type: 'SOCKET.DOWN'; socketId: string; reason: 'closed' | 'error' | 'displaced' | 'handshake-failed' | 'token-rejected'; detail: string; lastFrameAt?: number }
  | { type: 'SOCKET.ALIVE'; socketId: string };

/** Commands the machine sends to a socket actor. */
export type SocketCommand = { type: 'HEARTBEAT' } | { type: 'CLOSE' };

export type ConnectionEvent =
  | { type: 'START' }
  | { type: 'STOP' }
  | { type: 'HEARTBEAT.DUE' }
  | SocketEvent;

/** Emitted to listeners of the actor (`actor.on(type, …)`). */
export type ConnectionEmitted =
  | { type: 'outage'; outage: Outage }
  | { type: 'retry'; attempt: number; delay: number; failure: Failure }
  | { type: 'rotated'; socketId: string; replacedSocketId: string | undefined }
  | { type: 'rotation-failed'; attempt: number; delay: number; detail: string };

export interface SocketInput {
  socketId: string;
  token: AccessToken;
}

export interface HeartbeatInput {
  interval: number;
}
