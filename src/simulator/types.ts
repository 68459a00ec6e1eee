/**
 * Public types of the embedded Zoom simulator (`zoom-ws/simulator`).
 *
 * The simulator speaks the wire protocol described in `shared/zoom-protocol.md`: a Server-to-Server OAuth
 * token endpoint and the real-time event WebSocket, both on one loopback HTTP server.
 */

/** How a displaced connection learns that another consumer took over its subscription. */
export type DisplacementStyle = 'close-reason' | 'frame' | 'both';

/** Options of {@link createZoomSimulator}. Every option is optional. */
export interface ZoomSimulatorOptions {
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** TCP port. Default `0`: the OS picks a free port; read it from {@link ZoomSimulator.port}. */
  port?: number;
  /** Account id expected with `grant_type=account_credentials`. Default `'sim-account'`. */
  accountId?: string;
  /** OAuth client id expected in the Basic `Authorization` header. Default `'sim-client'`. */
  clientId?: string;
  /** OAuth client secret expected in the Basic `Authorization` header. Default `'sim-secret'`. */
  clientSecret?: string;
  /** The only subscription the WebSocket endpoint knows. Default `'sim-subscription'`. */
  subscriptionId?: string;
  /**
   * Lifetime of issued tokens in seconds, returned as `expires_in` and enforced for new connections.
   * Fractions are allowed (handy for short tests). Default `3600`: what Zoom gives Server-to-Server tokens
   * (`exp − iat` of a real token; the `3599` in older examples comes from user OAuth).
   */
  tokenTtlSeconds?: number;
  /**
   * How a displaced connection is told `Connected in another place` (the protocol leaves this UNCERTAIN):
   * - `'close-reason'`: the socket is closed with code {@link ZoomSimulatorOptions.displacementCloseCode}
   *   and that text as the close reason;
   * - `'frame'`: the server first sends
   *   `{"module":"build_connection","success":false,"content":"Connected in another place","header":{}}`,
   *   then closes with code `displacementCloseCode` and an empty reason;
   * - `'both'`: the frame, then the close with the reason.
   *
   * Default `'close-reason'`.
   */
  displacementStyle?: DisplacementStyle;
  /**
   * Close code used when a connection is displaced. Zoom's real code is unknown; `1000` (normal closure)
   * is the least helpful for a client, which is why it is the default: a client must look at the reason or
   * the frame, not at the code. Default `1000`.
   */
  displacementCloseCode?: number;
  /**
   * Whether an open socket is closed when its token expires (naturally, or through
   * {@link SimulatorFaults.expireTokens}). Zoom's behaviour is UNCERTAIN. When `true` the socket is closed
   * with code `1000` and the rejection wording as reason. Default `false`: open sockets outlive their token.
   */
  closeOnTokenExpiry?: boolean;
  /**
   * `content` of token-rejection frames (invalid, revoked or expired token). Zoom has used
   * `'Invalid Token'` and `'Token is invalid'`. Default `'Invalid Token'`.
   */
  rejectionWording?: string;
  /**
   * Makes {@link ZoomSimulator.play} deliver as real Zoom does: not in list order, not on a steady beat.
   * Some neighbouring events swap places and some are held back and overtaken by later ones, so that the
   * code under test meets out-of-order delivery (protocol §6). Deterministic: the same seed and playlist
   * always give the same order and delays. No event is dropped or duplicated. When restamping, a late event
   * gets the `event_ts` of its in-order time, older than that of the events that overtook it.
   * {@link ZoomSimulator.emit} is never jittered (its return value counts the sockets written to at once).
   *
   * `true` turns it on with the defaults of {@link DeliveryJitterOptions}. Default `false`: list order, every
   * event exactly `intervalMs` after the previous one.
   */
  deliveryJitter?: boolean | DeliveryJitterOptions;
}

/** Tuning of {@link ZoomSimulatorOptions.deliveryJitter}. Every field is optional. */
export interface DeliveryJitterOptions {
  /** Seed of the PRNG; every `play()` starts from it, and each pass of a loop draws on. Default `1`. */
  seed?: number;
  /**
   * Chance that an event swaps places with the next one (each event moves one place at most this way).
   * Default `0.15`, about the share of adjacent pairs (12 of 79) seen out of order in captured traffic.
   */
  reorderProbability?: number;
  /** Chance that an event is held back by up to {@link DeliveryJitterOptions.maxDelayMs}. Default `0.05`. */
  delayProbability?: number;
  /**
   * Longest extra wait of a held-back event, in milliseconds; the events after it keep their times and so
   * overtake it. Default: three times the playback's `intervalMs` (so nothing is held back when it is `0`).
   */
  maxDelayMs?: number;
}

/** The inner object of a `message` frame, as accepted by {@link ZoomSimulator.emit}. */
export interface ZoomEventInput {
  /** Event name, e.g. `'meeting.started'`. */
  event: string;
  /** Epoch milliseconds. Default: the time of sending. */
  event_ts?: number;
  /** Webhook-shaped payload, usually `{account_id, object: {...}}`. */
  payload: unknown;
  /** Present on `recording.completed` webhooks; passed through untouched. */
  download_token?: string;
}

/** A fully stamped event, as produced by `createEventScenario`. */
export interface ZoomEvent extends ZoomEventInput {
  event_ts: number;
}

/** Options of {@link ZoomSimulator.play}. */
export interface PlayOptions {
  /** Gap between two events, in milliseconds. The first event is sent on the next event-loop turn. Default `1000`. */
  intervalMs?: number;
  /** Start over after the last event, until stopped. Default `false`. */
  loop?: boolean;
  /**
   * Replace each `event_ts` with the time of sending. Default: equal to `loop`, so that a looping playlist
   * never sends what looks like a duplicate (same `event` + `event_ts` + payload) of an earlier event.
   */
  restamp?: boolean;
}

/** Handle of a running {@link ZoomSimulator.play}. */
export interface PlayHandle {
  /** Stops the playback and clears its timer. Idempotent. */
  stop(): void;
  /** Resolves when the last event was sent (never for a loop) or when the playback was stopped. */
  readonly done: Promise<void>;
}

/** A snapshot of one WebSocket connection, open or closed. */
export interface SimConnectionInfo {
  /** Sequential id, starting at 1, in order of upgrade. */
  id: number;
  /** The `subscriptionId` query parameter the client sent (may be unknown or empty). */
  subscriptionId: string;
  /** `build_connection` success was sent, the socket is open and not stalled: events reach it. */
  live: boolean;
  /** The server sends nothing to this socket (see {@link SimulatorFaults.stall}). */
  stalled: boolean;
  /** Epoch milliseconds of the upgrade. */
  openedAt: number;
  /** Heartbeat frames received from the client. */
  heartbeats: number;
  /** The socket is closed (or closing). */
  closed: boolean;
}

/** Counters since the simulator started. */
export interface SimulatorStats {
  /** Requests to `/oauth/token`, whatever their outcome. */
  tokenRequests: number;
  /** Tokens handed out (200 with a well-formed body). */
  tokensIssued: number;
  /** Token requests answered with anything else: error statuses, injected failures, malformed bodies. */
  tokenFailures: number;
  /** WebSocket upgrade requests, including rejected and hung ones. */
  upgrades: number;
  /** Connections that received `build_connection` success. */
  connections: number;
  /** Connections that received `build_connection` success:false (bad token, unknown subscription, fault). */
  connectionsRefused: number;
  /** Heartbeat frames received from clients (answered or not). */
  heartbeats: number;
  /** `message` frames written to sockets (one event sent to two sockets counts twice). */
  eventsSent: number;
  /** Events that reached no socket at all (nobody live, or every live socket stalled): Zoom loses them. */
  eventsLost: number;
  /** Connections closed because another one took over their subscription. */
  displaced: number;
}

/** Payload of the `'token'` hook. */
export interface TokenIssuedInfo {
  accessToken: string;
  /** `expires_in` as sent, in seconds. */
  expiresIn: number;
  /** Epoch milliseconds after which the token is refused. */
  expiresAt: number;
  grantType: 'account_credentials' | 'client_credentials';
}

/** Payload of the `'heartbeat'` hook. */
export interface HeartbeatInfo {
  /** Connection id. */
  id: number;
  subscriptionId: string;
  /** What the server did: replied `live`, said nothing (stalled), or rejected the revoked token. */
  outcome: 'replied' | 'ignored' | 'token-rejected';
}

/** Payload of the `'close'` hook. */
export interface CloseInfo {
  /** Connection id. */
  id: number;
  subscriptionId: string;
  /** Close code as seen by the server (`1006` when the socket was destroyed). */
  code: number;
  reason: string;
}

/** The hooks of {@link ZoomSimulator.on} and the info each one receives. */
export interface SimulatorHookMap {
  /** A token was issued. */
  token: TokenIssuedInfo;
  /** A connection received `build_connection` success. */
  connection: SimConnectionInfo;
  /** A heartbeat frame arrived. */
  heartbeat: HeartbeatInfo;
  /** A socket closed. */
  close: CloseInfo;
}

/** How {@link SimulatorFaults.failTokenRequests} fails. */
export interface TokenFailureOptions {
  /** HTTP status. Default `500` (`200` when `malformed`). */
  status?: number;
  /** Response body. Default: `{"reason":<status text>,"error":<snake_case status text>}`, or a malformed body. */
  body?: string;
  /** Adds a `Retry-After: <seconds>` header. Default: no header. */
  retryAfterSeconds?: number;
  /** Answer after this many milliseconds. Default `0` (or the current {@link SimulatorFaults.slowTokenRequests} delay). */
  delayMs?: number;
  /**
   * Answer `200` with a body a client must reject: `true` or `'not-json'` sends an HTML page,
   * `'wrong-shape'` sends JSON without a usable `access_token`. Default `false`.
   */
  malformed?: boolean | 'not-json' | 'wrong-shape';
}

/** Fault injection. Queued faults apply to the next requests; the others act at once. */
export interface SimulatorFaults {
  /** Destroys every socket abruptly: no close frame, the client sees `1006`. */
  drop(): void;
  /** Closes every socket with this code and reason. The code must be sendable (1000–1003, 1007–1014, 3000–4999). */
  close(code: number, reason?: string): void;
  /**
   * The currently open sockets stay open but the server sends them nothing more: no heartbeat replies, no
   * events (counted in `eventsLost` when no other socket got them), no displacement notice (a stalled socket
   * that gets displaced is destroyed silently). New connections are not stalled.
   */
  stall(): void;
  /** Un-stalls every socket. */
  resume(): void;
  /**
   * Every token issued so far becomes invalid (later tokens are fine). New connections with such a token
   * get `build_connection` success:false with the rejection wording; an open connection gets
   * `{"module":"heartbeat","success":false,"content":<rejection wording>,"header":{}}` in reply to its next
   * heartbeat and is then closed with code `1000`.
   */
  revokeTokens(): void;
  /**
   * Every token issued so far is expired now. New connections are refused as for {@link revokeTokens};
   * open sockets are closed only when `closeOnTokenExpiry` is set.
   */
  expireTokens(): void;
  /** Acts as if another consumer connected: every open connection is displaced (see `displacementStyle`). */
  displace(): void;
  /** The next `count` token requests fail as described by `how`. */
  failTokenRequests(count: number, how?: TokenFailureOptions): void;
  /** Every token request is answered after `delayMs` milliseconds; `0` turns it off. */
  slowTokenRequests(delayMs: number): void;
  /** The next `count` WebSocket upgrades are answered with a plain HTTP `status` and no upgrade. */
  rejectUpgrades(count: number, status: number): void;
  /**
   * The next `count` upgrades are accepted at TCP level and never answered: the client must hit its own
   * connect timeout. The sockets are destroyed by `stop()`.
   */
  hangUpgrades(count: number): void;
  /** The next `count` connections get `build_connection` success:false with this `content`. */
  refuseConnections(count: number, content: string): void;
  /**
   * Clears every queued fault and the slow-token delay, and resumes stalled sockets. Revoked or expired
   * tokens stay invalid.
   */
  reset(): void;
}

/** A running simulator. Create it with {@link createZoomSimulator}. */
export interface ZoomSimulator {
  /** Token endpoint, e.g. `http://127.0.0.1:PORT/oauth/token`. */
  readonly oauthUrl: string;
  /** WebSocket endpoint without query, e.g. `ws://127.0.0.1:PORT/ws`. */
  readonly wsUrl: string;
  /** The port actually listened on. */
  readonly port: number;
  /** The credentials the simulator accepts. */
  readonly credentials: {
    readonly accountId: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly subscriptionId: string;
  };
  /**
   * Environment for the CLI: `ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID`, `ZOOM_CLIENT_SECRET`,
   * `ZOOM_SUBSCRIPTION_ID`, `ZOOM_OAUTH_URL`, `ZOOM_WS_URL`.
   */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Sends one event as a double-encoded `message` frame to every live connection of the subscription.
   * Returns how many sockets it was written to (`0` means the event is lost, as with Zoom).
   */
  emit(event: ZoomEventInput): number;
  /** Writes raw text to every open, non-stalled socket (for malformed-frame tests). Returns the count. */
  sendRaw(text: string): number;
  /**
   * Plays events one after the other through {@link emit}, in list order unless
   * {@link ZoomSimulatorOptions.deliveryJitter} is set. Stopped by the handle or by `stop()`.
   */
  play(events: readonly ZoomEventInput[], options?: PlayOptions): PlayHandle;
  /** Every connection seen, oldest first (the last 1000 closed ones are kept). */
  connections(): SimConnectionInfo[];
  /** How many connections events would currently reach. */
  liveConnectionCount(): number;
  /** A snapshot of the counters. */
  readonly stats: Readonly<SimulatorStats>;
  /** Fault injection. */
  readonly faults: SimulatorFaults;
  /** Subscribes to a hook; returns the unsubscribe function. */
  on<K extends keyof SimulatorHookMap>(hook: K, listener: (info: SimulatorHookMap[K]) => void): () => void;
  /**
   * Closes every socket (hung upgrades included), both endpoints, pending slow token responses and all
   * timers. Idempotent; afterwards nothing of the simulator keeps the process alive.
   */
  stop(): Promise<void>;
}
