import { createClient, type RedisClientType } from 'redis';
import { RedisReplyError, ZoomWsConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../client/logger.js';

/** A node-redis (≥ 5) client, as `createClient()` returns it; users may hand in their own, already connected. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RedisClient = RedisClientType<any, any, any, any, any>;

/** Where to find Redis: a `redis://` / `rediss://` URL, or a node-redis client the user connected already. */
export type RedisTarget = string | RedisClient;

/** First reconnect delay after a lost connection, ms. */
export const DEFAULT_RECONNECT_MIN_DELAY = 50;
/** Longest reconnect delay: a dead Redis is retried this often, never in a hot loop, ms. */
export const DEFAULT_RECONNECT_MAX_DELAY = 2_000;
/** How long one TCP connect may take, ms. */
export const DEFAULT_CONNECT_TIMEOUT = 2_000;

export interface RedisConnectionOptions {
  /** A `redis://` or `rediss://` URL, or a connected node-redis client (adopted: never closed by us). */
  redis: RedisTarget;
  /** The option name reported in a {@link ZoomWsConfigError} for a malformed URL. Default `redis`. */
  field?: string;
  /**
   * Per-command timeout, ms: a command not answered in time rejects (a reply already waiting in the socket when the
   * timer fires, e.g. after the process was paused, still counts). Default none (node-redis waits). The lease
   * connection needs one below `renewInterval`, so that a stuck renew cannot hide past the renew deadline.
   */
  commandTimeout?: number;
  /** TCP connect timeout, ms. Default {@link DEFAULT_CONNECT_TIMEOUT}. */
  connectTimeout?: number;
  /** First reconnect delay, doubled per failed attempt up to `reconnectMaxDelay`, ms. Default {@link DEFAULT_RECONNECT_MIN_DELAY}. */
  reconnectMinDelay?: number;
  /** Cap of the reconnect delay, ms. Default {@link DEFAULT_RECONNECT_MAX_DELAY}. */
  reconnectMaxDelay?: number;
  /** Where connection errors go (as warnings, once per outage). Default: silent. */
  logger?: Logger;
  /** Shown in log lines, e.g. `lease`, `consumer`. Default `redis`. */
  name?: string;
}

/** A command got no answer within the connection's `commandTimeout`. */
export class RedisTimeoutError extends RedisReplyError {
  override name = 'RedisTimeoutError';
  constructor(command: string, timeoutMs: number) {
    super(command.toLowerCase(), `no reply within the ${timeoutMs} ms command timeout`);
  }
}

/**
 * Checks a Redis URL without echoing it (it may hold a password): a malformed one, or another scheme, is a
 * {@link ZoomWsConfigError} naming `field`.
 */
export function validateRedisUrl(url: string, field = 'redis'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ZoomWsConfigError(field, 'not a URL; expected redis://[user:password@]host:port[/db] or rediss://…');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ZoomWsConfigError(field, `scheme "${parsed.protocol.replace(/[^a-z0-9+.-]/gi, '?').slice(0, 20)}" is not redis: or rediss:`);
  }
  if (!parsed.hostname) throw new ZoomWsConfigError(field, 'the URL has no host');
  if (parsed.port !== '' && !(Number(parsed.port) > 0 && Number(parsed.port) < 65_536)) {
    throw new ZoomWsConfigError(field, 'the port is out of range');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new ZoomWsConfigError(field, 'the path must be a database number');
  return parsed;
}

/** The URL as it may appear in a log line: the password replaced. */
export function describeRedisUrl(url: URL): string {
  const safe = new URL(url.href);
  if (safe.password) safe.password = 'redacted';
  return `${safe.protocol}//${safe.username ? `${safe.username}@` : ''}${safe.host}${safe.pathname === '/' ? '' : safe.pathname}`;
}

/** Exponential backoff with a cap and ±20 % jitter: a dead Redis is never retried in a hot loop. */
export function reconnectDelay(retries: number, minDelay: number, maxDelay: number, random = Math.random): number {
  const base = Math.min(maxDelay, minDelay * 2 ** Math.min(retries, 30));
  return Math.max(1, Math.round(base * (0.8 + 0.4 * random())));
}

/**
 * One Redis connection of zoom-ws: opened from a URL (owned: `release()` closes it) or adopted from the user
 * (`release()` leaves it open). Errors are logged, never thrown from an event emitter, so a Redis outage cannot
 * crash the process; commands fail while it reconnects, with capped backoff.
 */
export class RedisConnection {
  readonly client: RedisClient;
  readonly owned: boolean;
  readonly #options: RedisConnectionOptions;
  readonly #logger: Logger;
  readonly #name: string;
  readonly #onError: (error: unknown) => void;
  readonly #onReady: () => void;
  #failing = false;
  #released = false;

  private constructor(client: RedisClient, owned: boolean, options: RedisConnectionOptions) {
    this.client = client;
    this.owned = owned;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#name = options.name ?? 'redis';
    this.#onError = (error) => {
      // One warning per outage: the client reports every failed reconnect attempt.
      if (this.#failing) return;
      this.#failing = true;
      this.#logger.warn(`${this.#name}: Redis unavailable (${errorText(error)}); retrying with backoff`);
    };
    this.#onReady = () => {
      if (this.#failing) this.#logger.info(`${this.#name}: Redis connection restored`);
      this.#failing = false;
    };
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
  }

  /**
   * Validates the options and builds the connection; it is not connected yet (see {@link connect}). A malformed
   * URL throws a {@link ZoomWsConfigError} at once.
   */
  static create(options: RedisConnectionOptions): RedisConnection {
    const field = options.field ?? 'redis';
    for (const name of ['commandTimeout', 'connectTimeout', 'reconnectMinDelay', 'reconnectMaxDelay'] as const) {
      const value = options[name];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new ZoomWsConfigError(name, 'must be a positive number of ms');
    }
    if (typeof options.redis === 'string') {
      const url = validateRedisUrl(options.redis, field);
      return new RedisConnection(createClient(clientOptions(url.href, options)), true, options);
    }
    const client = options.redis as unknown;
    if (client === null || typeof client !== 'object' || typeof (client as RedisClient).sendCommand !== 'function' || typeof (client as RedisClient).duplicate !== 'function') {
      throw new ZoomWsConfigError(field, 'expected a redis:// URL or a node-redis client (createClient())');
    }
    return new RedisConnection(options.redis, false, options);
  }

  /** {@link create} and {@link connect}: resolves once Redis answered (retrying with backoff until then). */
  static async open(options: RedisConnectionOptions): Promise<RedisConnection> {
    const connection = RedisConnection.create(options);
    await connection.connect();
    return connection;
  }

  /** Connects an owned client (retrying with backoff until Redis answers or {@link release} is called). */
  async connect(): Promise<void> {
    if (this.client.isOpen) return;
    if (!this.owned) throw new ZoomWsConfigError(this.#options.field ?? 'redis', 'the client handed in must be connected (await client.connect())');
    await this.client.connect();
  }

  get isReady(): boolean {
    return this.client.isReady;
  }

  /** Sends a raw command with this connection's timeout (or `timeout`, ms, if given). */
  send<T = unknown>(args: readonly string[], timeout = this.#options.commandTimeout): Promise<T> {
    const reply = this.client.sendCommand<T>(args);
    if (timeout === undefined) return reply;
    // node-redis' own `timeout` only covers a command still waiting to be written; a command already sent to a
    // stalled server would wait for ever. The late reply still arrives in order and is dropped here, so the
    // client's reply queue stays in step.
    return new Promise<T>((resolve, reject) => {
      let verdict: NodeJS.Immediate | undefined;
      // Expired timers run before waiting I/O is read: after our own process stood still (SIGSTOP, a long GC, a
      // starved CPU) the answer is usually in the socket already, and rejecting it would e.g. fail a renew that
      // Redis did perform. So the timeout decides only after one more I/O poll (setImmediate runs after it).
      const timer = setTimeout(() => {
        verdict = setImmediate(() => reject(new RedisTimeoutError(args[0] ?? 'command', timeout)));
      }, timeout);
      const settle = () => {
        clearTimeout(timer);
        clearImmediate(verdict);
      };
      reply.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /**
   * A new, owned connection to the same server with the same options (e.g. one for `XREADGROUP … BLOCK`, which
   * holds its connection for the whole block). `overrides` change the timeout or name.
   */
  async duplicate(overrides: Pick<RedisConnectionOptions, 'commandTimeout' | 'name'> = {}): Promise<RedisConnection> {
    const options = { ...this.#options, ...overrides };
    const ours = clientOptions(undefined, options);
    // A shallow override would drop the host/port/TLS of a user's socket options: merge ours into theirs.
    const socket = { ...(this.client.options?.socket ?? {}), ...ours.socket };
    const client = this.client.duplicate({ socket }) as RedisClient;
    const connection = new RedisConnection(client, true, options);
    try {
      await connection.connect();
    } catch (error) {
      await connection.release();
      throw error;
    }
    return connection;
  }

  /** Closes an owned client (pending commands rejected), or only detaches our listeners from an adopted one. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.owned) {
      // destroy(), not close(): a blocked XREADGROUP would hold close() for the whole block.
      if (this.client.isOpen || this.client.isReady) this.client.destroy();
      else {
        try {
          this.client.destroy();
        } catch {
          // Never connected: nothing to close.
        }
      }
    }
    // Keep a listener on an owned client until it is closed: a late socket error must not become uncaught.
    if (!this.owned) {
      this.client.off('error', this.#onError);
      this.client.off('ready', this.#onReady);
    }
  }
}

function clientOptions(url: string | undefined, options: RedisConnectionOptions) {
  const min = options.reconnectMinDelay ?? DEFAULT_RECONNECT_MIN_DELAY;
  const max = options.reconnectMaxDelay ?? DEFAULT_RECONNECT_MAX_DELAY;
  return {
    ...(url === undefined ? {} : { url }),
    socket: {
      connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, min, max),
    },
  };
}

/** An error's message without a URL's password (node-redis may include the URL it dialled). */
function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/(rediss?:\/\/[^:@/\s]*:)[^@\s]*@/gi, '$1redacted@').slice(0, 300);
}
