import { z } from 'zod';
import { ZoomWsConfigError } from '../errors.js';
import type { InspectTarget } from '../inspect/inspector.js';
import { checkEndpoints } from './endpoint-checks.js';
import type { Logger } from './logger.js';

/** Defaults, declared once. All durations in milliseconds. */
export const DEFAULTS = {
  grantType: 'account_credentials',
  oauthUrl: 'https://zoom.us/oauth/token',
  wsUrl: 'wss://ws.zoom.us/ws',
  heartbeatInterval: 20_000,
  heartbeatTimeout: 15_000,
  backoffInitial: 1_000,
  backoffMax: 30_000,
  refreshMargin: 5 * 60_000,
  connectTimeout: 10_000,
  tokenTimeout: 10_000,
  stablePeriod: 30_000,
  displacedDelay: 60_000,
  closeTimeout: 2_000,
  maxPayload: 1024 * 1024,
  dedupeHistory: 256,
  drainTimeout: 0,
} as const;

/** Options of {@link ZoomWsClient}. Only the four credentials are required. */
export interface ZoomWsClientOptions {
  /** Zoom account id. Required with the default `account_credentials` grant (Server-to-Server OAuth). */
  accountId?: string;
  /** OAuth client id of the app. */
  clientId: string;
  /** OAuth client secret. Never logged, never part of an error or a snapshot. */
  clientSecret: string;
  /** WebSocket subscription id from the app's Marketplace page. */
  subscriptionId: string;
  /** `account_credentials` (Server-to-Server OAuth app) or `client_credentials` (general app). @default 'account_credentials' */
  grantType?: 'account_credentials' | 'client_credentials';
  /** Full token URL. @default 'https://zoom.us/oauth/token' */
  oauthUrl?: string;
  /** WebSocket endpoint (`ws:` or `wss:`); `subscriptionId` and `access_token` are added to its query. @default 'wss://ws.zoom.us/ws' */
  wsUrl?: string;
  /**
   * How often `{"module":"heartbeat"}` is sent while open; the first one goes out at once, right after
   * `build_connection` succeeds (a new socket has sent nothing yet, and the reply proves it alive at once).
   * Zoom drops a connection that sends nothing for about 30 s: 20 s leaves a 10 s margin for a busy event loop,
   * timer drift and a slow network, where a 30 s interval would race Zoom's limit. @default 20000
   */
  heartbeatInterval?: number;
  /** A connection is dead when no frame at all arrives this long after a heartbeat. @default 15000 */
  heartbeatTimeout?: number;
  /** First reconnect delay; doubles per consecutive failure, jittered into [d/2, d). @default 1000 */
  backoffInitial?: number;
  /** Cap of the reconnect delay. @default 30000 */
  backoffMax?: number;
  /** Refresh the token this long before it expires (make-before-break, no gap). @default 300000 */
  refreshMargin?: number;
  /** Time allowed from opening a socket to `build_connection` success. @default 10000 */
  connectTimeout?: number;
  /** Time allowed for one token request, the whole exchange: connecting, headers and body. @default 10000 */
  tokenTimeout?: number;
  /** A connection that stayed open this long resets the backoff. @default 30000 */
  stablePeriod?: number;
  /** Wait after another consumer took the subscription ("Connected in another place"). @default 60000 */
  displacedDelay?: number;
  /** Time a graceful close (code 1000) may take before the socket is terminated. @default 2000 */
  closeTimeout?: number;
  /** Give up (`failed`) after this many consecutive failed attempts. @default undefined (retry forever) */
  maxAttempts?: number;
  /** Largest frame accepted, in bytes; a larger frame closes the socket (code 1009) and the client reconnects. @default 1048576 */
  maxPayload?: number;
  /**
   * How many recent events are remembered to drop duplicates when a second socket starts delivering (rotation,
   * reconnect). They are kept as the raw strings: a busy client holds up to this many events, an idle one none.
   * `0` turns duplicate dropping off. @default 256
   */
  dedupeHistory?: number;
  /** Console-compatible logger; every message is scrubbed of secrets. @default silent */
  logger?: Logger;
  /**
   * Live inspection of the statechart: its `@xstate.actor`, `@xstate.event` and `@xstate.snapshot` events
   * (the `@statelyai/inspect` format) go to a `ws://`/`wss://` URL — `zoom-ws visualize --attach` listens on
   * `ws://127.0.0.1:7700/inspect` — or to a function. Every message is redacted first: no client secret, no
   * token, no URL with `access_token`. Best effort: an unreachable URL only drops messages; it never delays
   * or breaks the client and never keeps the process alive. Released by `stop()`.
   * @default undefined (no inspection)
   */
  inspect?: InspectTarget;
  /**
   * Accept `http://` for `oauthUrl` and `ws://` for `wsUrl` to hosts other than loopback. Off, such a URL is
   * refused with a {@link ZoomWsConfigError}: a one-letter typo would send the client secret and the tokens
   * unencrypted. Loopback (`localhost`, 127.0.0.0/8, `::1`) is always allowed. @default false
   */
  allowInsecureEndpoints?: boolean;
  /**
   * Proxy for the token request and the WebSocket: an `http://` or `https://` URL (credentials in it work and
   * are scrubbed from logs like secrets), or `false` to connect directly whatever the environment says.
   * Unset, `HTTPS_PROXY`/`HTTP_PROXY` (and lower-case forms) are used; `NO_PROXY` is honoured either way.
   * @default undefined (read the environment)
   */
  proxy?: string | false;
  /**
   * Where tokens come from instead of zoom-ws's own request: the service's token cache, so that zoom-ws and its
   * REST calls share one token (every token fetched can invalidate others of the same app). Called for the
   * first token, each refresh, and — with `rejected: true`, after the usual backoff — when Zoom refused the
   * token it returned: hand out a fresh one then. A throw is retried with backoff; a {@link ZoomAuthError}
   * is fatal. The token is scrubbed from logs like a fetched one.
   * @default undefined (zoom-ws requests tokens itself)
   */
  tokenProvider?: TokenProvider;
  /** Told about each token zoom-ws fetched itself, e.g. to put it in the service's cache. Not called for provided tokens. @default undefined */
  onToken?: (token: ProvidedToken) => void;
  /**
   * How long `stop()` waits for event handlers still running (async ones included) after the socket closed.
   * `0` does not wait; handlers still running are reported either way. `stop({ drainTimeout })` overrides it.
   * @default 0
   */
  drainTimeout?: number;
  /**
   * An open connection that delivered no event for this long raises a `stale` notice (`onStale`, a warning,
   * `stats.staleNotices`) — Zoom has been seen answering heartbeats while delivering nothing.
   * @default undefined (off)
   */
  maxEventSilence?: number;
  /** With `maxEventSilence`: also drop the silent connection and reconnect (an outage with reason `closed`). @default false */
  reconnectOnSilence?: boolean;
}

/** A token handed to or by zoom-ws. */
export interface ProvidedToken {
  accessToken: string;
  /** When it expires: epoch ms or a Date. */
  expiresAt: number | Date;
}

/** What {@link ZoomWsClientOptions.tokenProvider} is told. */
export interface TokenProviderContext {
  /** Aborted when the client stops or gives up on this request. */
  signal: AbortSignal;
  /** Zoom refused the last token this provider returned: do not hand out the same one again. */
  rejected: boolean;
}

export type TokenProvider = (context: TokenProviderContext) => Promise<ProvidedToken>;

const duration = (min = 0) => z.number().int().min(min).max(2 ** 31 - 1);
const text = z.string().trim().min(1, 'must be a non-empty string');
const wsUrl = z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const loggerSchema = z.custom<Logger>(
  (value) => typeof value === 'object' && value !== null && ['debug', 'info', 'warn', 'error'].every((level) => typeof (value as Record<string, unknown>)[level] === 'function'),
  { error: 'must have debug, info, warn and error functions' },
);

const inspectTarget = z.custom<InspectTarget>(
  (value) => typeof value === 'function' || (typeof value === 'string' && wsUrl.safeParse(value).success),
  { error: 'must be a ws:// or wss:// URL or a function' },
);

const optionsSchema = z.strictObject({
  accountId: text.optional(),
  clientId: text,
  clientSecret: text,
  subscriptionId: text,
  grantType: z.enum(['account_credentials', 'client_credentials']).default(DEFAULTS.grantType),
  oauthUrl: httpUrl.default(DEFAULTS.oauthUrl),
  wsUrl: wsUrl.default(DEFAULTS.wsUrl),
  heartbeatInterval: duration(1).default(DEFAULTS.heartbeatInterval),
  heartbeatTimeout: duration(1).default(DEFAULTS.heartbeatTimeout),
  backoffInitial: duration().default(DEFAULTS.backoffInitial),
  backoffMax: duration().default(DEFAULTS.backoffMax),
  refreshMargin: duration().default(DEFAULTS.refreshMargin),
  connectTimeout: duration(1).default(DEFAULTS.connectTimeout),
  tokenTimeout: duration(1).default(DEFAULTS.tokenTimeout),
  stablePeriod: duration().default(DEFAULTS.stablePeriod),
  displacedDelay: duration().default(DEFAULTS.displacedDelay),
  closeTimeout: duration(1).default(DEFAULTS.closeTimeout),
  maxAttempts: z.number().int().min(1).optional(),
  maxPayload: z.number().int().min(1024).max(2 ** 31 - 1).default(DEFAULTS.maxPayload),
  dedupeHistory: z.number().int().min(0).max(100_000).default(DEFAULTS.dedupeHistory),
  logger: loggerSchema.optional(),
  inspect: inspectTarget.optional(),
  allowInsecureEndpoints: z.boolean().default(false),
  proxy: z.union([z.literal(false), z.string().trim().min(1, 'must be a proxy URL or false')]).optional(),
  tokenProvider: z.custom<TokenProvider>((value) => typeof value === 'function', { error: 'must be an async function' }).optional(),
  onToken: z.custom<(token: ProvidedToken) => void>((value) => typeof value === 'function', { error: 'must be a function' }).optional(),
  drainTimeout: duration().default(DEFAULTS.drainTimeout),
  maxEventSilence: duration(1).optional(),
  reconnectOnSilence: z.boolean().default(false),
});

export type ResolvedOptions = z.output<typeof optionsSchema>;

/**
 * Validates options and fills in defaults. Throws {@link ZoomWsConfigError} naming the first bad field;
 * the message describes the problem, never the value (it may be a secret).
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ZoomWsConfigError('options', 'must be an object');
  let parsed: ReturnType<typeof optionsSchema.safeParse>;
  try {
    parsed = optionsSchema.safeParse(options);
  } catch {
    // A getter or a Proxy trap of the caller's object threw while it was read: still a configuration error.
    throw new ZoomWsConfigError('options', 'could not be read (a getter or proxy threw)');
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'options';
    const problem = issue.code === 'unrecognized_keys' ? 'unknown option' : issue.message;
    throw new ZoomWsConfigError(field, problem);
  }
  const resolved = parsed.data;
  if (resolved.grantType === 'account_credentials' && resolved.accountId === undefined) {
    throw new ZoomWsConfigError('accountId', 'is required with grantType "account_credentials"');
  }
  if (resolved.backoffMax < resolved.backoffInitial) {
    throw new ZoomWsConfigError('backoffMax', 'must be at least backoffInitial');
  }
  checkEndpoints(resolved, resolved.allowInsecureEndpoints);
  return resolved;
}
