import { createActor, type Actor, type SnapshotFrom } from 'xstate';
import type { ConnectionMachine } from '../../machines/connection.machine.js';
import type { ConnectionTimings, FatalCause, Outage } from '../../machines/connection.types.js';
import type { RetiredSocketEnd, SocketSink } from '../actors/socket.js';
import { ClientStoppedError, RetriesExhaustedError, ZoomWsError } from '../errors.js';
import { createRedactingInspector, type RedactingInspector } from '../inspect/inspector.js';
import type { ZoomEvent, ZoomEventFor } from '../protocol/events.js';
import { KnownSecrets, redactText } from '../protocol/redact.js';
import { Secret } from '../protocol/secret.js';
import { bindClientConfig, clientMachine, type ClientActorConfig } from './client-machine.js';
import { connectionStateOf, type ConnectionState } from './connection-state.js';
import { DuplicateFilter } from './duplicate-filter.js';
import { EventDispatcher, type EventHandler } from './event-dispatcher.js';
import { EventQueue } from './event-queue.js';
import { createRedactingLogger, silentLogger, type Logger } from './logger.js';
import { resolveOptions, type ResolvedOptions, type ZoomWsClientOptions } from './options.js';
import { proxyCredentials, resolveProxyChoice } from '../transport/proxy-choice.js';
import { ProxyTransport } from '../transport/proxy-transport.js';
import { RunningHandlers, type StopResult } from './drain.js';
import { assessHealth, type ClientHealth } from './health.js';
import type { ClientObserver } from './observer.js';
import { SilenceWatchdog, type StaleNotice } from './silence-watchdog.js';
import { createTokenSource } from './token-source.js';

/** A change of {@link ConnectionState}. */
export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
  /** Epoch ms. */
  at: number;
}

/** Counters since the client was created. */
export interface ClientStats {
  /** Events delivered to subscribers. */
  events: number;
  /** Events dropped because they had already been delivered (rotation overlap, resend). */
  duplicates: number;
  /** Frames logged and skipped: not JSON, unknown module, bad inner event, binary. */
  skipped: number;
  /** Handlers that threw or rejected. */
  handlerErrors: number;
  /** Times the subscription went live again after an outage. */
  reconnects: number;
  /** Make-before-break token rotations completed. */
  rotations: number;
  /** Outages reported. */
  outages: number;
  /** Round trip of the last answered heartbeat, in ms. */
  lastHeartbeatRttMs: number | undefined;
  /** `stale` notices raised by the `maxEventSilence` watchdog. */
  staleNotices: number;
}

/**
 * Keeps one Zoom event subscription live: token, connect, heartbeat, refresh, reconnect, clean shutdown.
 * The lifecycle is the {@link connectionMachine} statechart, running as {@link ZoomWsClient.actor}.
 *
 * ```ts
 * const client = new ZoomWsClient({ accountId, clientId, clientSecret, subscriptionId });
 * client.on('meeting.started', (event) => console.log(event.payload.object.topic));
 * await client.start();
 * ```
 */
export class ZoomWsClient implements AsyncDisposable {
  /** The running statechart. Subscribe to it, inspect it, or send it events. */
  readonly actor: Actor<ConnectionMachine>;
  readonly #options: ResolvedOptions;
  readonly #log: Logger;
  readonly #dispatcher: EventDispatcher;
  readonly #duplicates: DuplicateFilter;
  readonly #queues = new Set<EventQueue<ZoomEvent>>();
  readonly #stateListeners = new Set<(change: StateChange) => void>();
  readonly #outageListeners = new Set<(outage: Outage) => void>();
  readonly #rawListeners = new Set<(raw: string, event: ZoomEvent) => void>();
  readonly #outages: Outage[] = [];
  /** Sockets closing after their actor stopped; `stop()` waits for them (each bounded by `closeTimeout`). */
  readonly #retiring = new Set<Promise<unknown>>();
  /** How the retiring sockets that carried the subscription end, until a rotation that replaced one asks. */
  readonly #retiringLive = new Map<string, Promise<RetiredSocketEnd>>();
  /**
   * Reactions to emitted machine events, run after the snapshot of the same step has been handled: the machine
   * emits while entering a state, and users should hear "open" before "the outage that just ended".
   */
  readonly #afterSnapshot: (() => void)[] = [];
  /** Client secret, Basic credential and every token received: scrubbed from server text, logs and inspection. */
  readonly #secrets = new KnownSecrets();
  readonly #inspector: RedactingInspector | undefined;
  readonly #stats: ClientStats = { events: 0, duplicates: 0, skipped: 0, handlerErrors: 0, reconnects: 0, rotations: 0, outages: 0, lastHeartbeatRttMs: undefined, staleNotices: 0 };
  readonly #live = deferred<void>();
  readonly #done = deferred<void>();
  #state: ConnectionState = 'idle';
  readonly #proxy: ProxyTransport;
  readonly #observers: ClientObserver[] = [];
  readonly #runningHandlers = new RunningHandlers();
  readonly #watchdog: SilenceWatchdog | undefined;
  readonly #staleListeners = new Set<(notice: StaleNotice) => void>();
  #stateSince = Date.now();
  #lastFrameAt: number | undefined;
  #lastEventAt: number | undefined;
  /** Zoom refused the last token: the next `tokenProvider` call is told so. */
  #tokenRejected = false;
  #hasBeenLive = false;
  #started = false;

  /** @throws {ZoomWsConfigError} when an option is missing or malformed. */
  constructor(options: ZoomWsClientOptions) {
    this.#options = resolveOptions(options);
    const resolved = this.#options;
    this.#secrets.add(resolved.clientSecret);
    this.#secrets.add(Buffer.from(`${resolved.clientId}:${resolved.clientSecret}`).toString('base64'));
    const proxies = resolveProxyChoice(resolved.proxy, process.env);
    for (const credential of proxyCredentials(proxies.proxies)) this.#secrets.add(credential);
    this.#proxy = new ProxyTransport(proxies);
    // Without a logger nothing is read: skip scrubbing every message on the way to nowhere.
    this.#log = resolved.logger ? createRedactingLogger(resolved.logger, () => this.#secrets) : silentLogger;
    this.#dispatcher = new EventDispatcher((error, event) => {
      this.#stats.handlerErrors++;
      for (const observer of this.#observers) observer.handlerError?.(event.event);
      this.#log.error(`A handler for "${event.event}" failed: ${describe(error)}`);
    }, (running, event) => this.#runningHandlers.track(running, event.event));
    const maxSilence = resolved.maxEventSilence;
    this.#watchdog = maxSilence === undefined ? undefined : new SilenceWatchdog(maxSilence, () => this.#lastEventAt, (silentForMs) => this.#onSilence(silentForMs));
    this.#duplicates = new DuplicateFilter(resolved.dedupeHistory);
    this.#inspector = resolved.inspect === undefined ? undefined : createRedactingInspector(resolved.inspect, {
      secrets: () => this.#secrets,
      onError: (error) => this.#log.warn(`Inspection failed; the client carries on: ${describe(error)}`),
    });
    this.actor = createActor(clientMachine, { input: { timings: timingsOf(resolved) }, inspect: this.#inspector?.inspect });
    bindClientConfig(this.actor, this.#actorConfig());
    this.#observeActor();
  }

  /** The current lifecycle phase. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** A copy of the counters. */
  get stats(): ClientStats {
    return { ...this.#stats };
  }

  /** Resolves once the client reached `closed` or `failed` and its last socket is closed. Never rejects. */
  get finished(): Promise<void> {
    return this.#done.promise.then(() => Promise.all(this.#retiring)).then(() => undefined);
  }

  /** Every outage reported so far (oldest first). */
  get outages(): readonly Outage[] {
    return [...this.#outages];
  }

  /**
   * Starts the lifecycle. Resolves once the subscription is live (`build_connection` succeeded); rejects
   * with {@link ZoomAuthError} or {@link RetriesExhaustedError} if the client fails, or
   * {@link ClientStoppedError} if it is stopped first. Transient failures are retried and do not reject.
   */
  start(): Promise<void> {
    if (!this.#started) {
      this.#started = true;
      this.actor.start();
      this.actor.send({ type: 'START' });
    }
    return this.#live.promise;
  }

  /**
   * Stops from any state: aborts a token request, stops the heartbeat, closes sockets with 1000 (terminating
   * after `closeTimeout`) and resolves once `closed` is reached. Idempotent. Afterwards no timer, socket or
   * listener of the client keeps the process alive, and `events()` iterators finish.
   *
   * Then it drains: waits up to `drainTimeout` (default: the option, `0`) for async handlers still running,
   * and resolves with those that did not finish (each also logged as a warning).
   */
  async stop(options: { drainTimeout?: number } = {}): Promise<StopResult> {
    if (!this.#started) {
      this.#started = true;
      this.actor.start();
    }
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'STOP' });
    await this.#done.promise;
    await Promise.all(this.#retiring);
    const drainTimeout = options.drainTimeout ?? this.#options.drainTimeout;
    const unfinishedHandlers = await this.#runningHandlers.drain(drainTimeout);
    for (const { event, runningMs } of unfinishedHandlers) {
      this.#log.warn(`A handler for "${event}" was still running after ${runningMs} ms when the client stopped`);
    }
    return { unfinishedHandlers };
  }

  /**
   * For probes: `live` is false only when the client failed or is wedged; `ready` means events are flowing
   * (`open`). See {@link ClientHealth}.
   */
  health(): ClientHealth {
    const context = this.actor.getSnapshot().context;
    return assessHealth({
      state: this.#state,
      stateSince: this.#stateSince,
      lastFrameAt: this.#lastFrameAt,
      lastEventAt: this.#lastEventAt,
      openOutageSince: context.outageSince?.at,
      retryDelay: context.retryDelay,
      timings: this.#options,
      now: Date.now(),
    });
  }

  /** Adds an observer (a metrics collector…): see {@link ClientObserver}. Returns a function that removes it. */
  observe(observer: ClientObserver): () => void {
    this.#observers.push(observer);
    return () => {
      const index = this.#observers.indexOf(observer);
      if (index !== -1) this.#observers.splice(index, 1);
    };
  }

  /** Calls `listener` on each `stale` notice of the `maxEventSilence` watchdog. Returns a function that unsubscribes. */
  onStale(listener: (notice: StaleNotice) => void): () => void {
    this.#staleListeners.add(listener);
    return () => this.#staleListeners.delete(listener);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Calls `handler` for every event named `name` (typed from the event catalogue), for every event under a
   * prefix with `'meeting.*'` (after the exact-name handlers), or for every event with `'*'` (last). Another
   * wildcard (`'mee*ting'`) throws {@link ZoomWsConfigError}. Returns a function that unsubscribes.
   */
  on<TName extends string>(name: TName, handler: EventHandler<ZoomEventFor<TName>>): () => void {
    if (name === '*') return this.#dispatcher.onAny(handler as EventHandler);
    return this.#dispatcher.on(name, handler as EventHandler<never>);
  }

  /** Every event as an async iterator, in arrival order. Ends when the client stops or `signal` aborts. */
  events(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ZoomEvent> {
    let unsubscribe = () => {};
    const queue = new EventQueue<ZoomEvent>(() => {
      unsubscribe();
      this.#queues.delete(queue);
    });
    if (this.actor.getSnapshot().status !== 'active' && this.#started) {
      queue.end();
      return queue;
    }
    unsubscribe = this.#dispatcher.onAny((event) => queue.push(event));
    this.#queues.add(queue);
    options.signal?.addEventListener('abort', () => void queue.return(), { once: true });
    return queue;
  }

  /** Calls `listener` on every change of {@link ConnectionState}. Returns a function that unsubscribes. */
  onStateChange(listener: (change: StateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Calls `listener` when an outage ends: a period in which the subscription was not live after having
   * been live. Zoom does not replay events from it; reconcile through the REST API.
   */
  onOutage(listener: (outage: Outage) => void): () => void {
    this.#outageListeners.add(listener);
    return () => this.#outageListeners.delete(listener);
  }

  /**
   * Calls `listener` with each event's inner JSON exactly as Zoom sent it (the text its webhook body would be),
   * after the duplicate filter, before `on` handlers. Returns a function that unsubscribes.
   */
  onRaw(listener: (raw: string, event: ZoomEvent) => void): () => void {
    this.#rawListeners.add(listener);
    return () => this.#rawListeners.delete(listener);
  }

  #emitRaw(raw: string, event: ZoomEvent): void {
    for (const listener of this.#rawListeners) {
      try {
        listener(raw, event);
      } catch (error) {
        // A throwing raw listener must not cost the socket its next frames or the other handlers this event.
        this.#stats.handlerErrors++;
        this.#log.error(`An onRaw listener for "${event.event}" failed: ${describe(error)}`);
      }
    }
  }

  /** Applied where server text enters (failure details, error messages), so outages and errors never hold a secret. */
  readonly #scrub = (text: string): string => redactText(text, this.#secrets);

  /** What this client's actors need; bound to its actor system, since all clients share one machine. */
  #actorConfig(): ClientActorConfig {
    const options = this.#options;
    const sink: SocketSink = {
      event: (event, content, socketId) => {
        const receivedAt = Date.now();
        this.#lastFrameAt = receivedAt;
        if (!this.#duplicates.admit(content, socketId)) {
          this.#stats.duplicates++;
          for (const observer of this.#observers) observer.duplicate?.();
          return;
        }
        this.#stats.events++;
        this.#lastEventAt = receivedAt;
        for (const observer of this.#observers) observer.event?.(event, receivedAt);
        if (this.#rawListeners.size > 0) this.#emitRaw(content, event);
        this.#dispatcher.dispatch(event);
      },
      skipped: (reason) => {
        this.#lastFrameAt = Date.now();
        this.#stats.skipped++;
        for (const observer of this.#observers) observer.skipped?.(reason);
        this.#log.warn(`Skipped a frame: ${reason}`);
      },
      connecting: (url, socketId) => {
        this.#log.debug(`${socketId}: connecting to ${url}`);
      },
      heartbeatRoundTrip: (ms) => {
        this.#lastFrameAt = Date.now();
        this.#stats.lastHeartbeatRttMs = ms;
        for (const observer of this.#observers) observer.heartbeatRoundTrip?.(ms);
      },
    };
    const tokenRequest: ClientActorConfig['token'] = {
      oauthUrl: options.oauthUrl,
      grantType: options.grantType,
      accountId: options.accountId,
      clientId: options.clientId,
      clientSecret: new Secret(options.clientSecret),
      timeout: options.tokenTimeout,
      onToken: (token) => this.#secrets.addToken(token),
      onWarning: (message) => this.#log.warn(message),
      scrub: this.#scrub,
    };
    const proxiedFetch = this.#proxy.fetchFor(options.oauthUrl);
    if (proxiedFetch) tokenRequest.fetch = proxiedFetch;
    return {
      token: tokenRequest,
      obtainToken: createTokenSource({
        request: tokenRequest,
        provider: options.tokenProvider,
        onFetched: options.onToken,
        onValue: (token) => this.#secrets.addToken(token),
        takeRejected: () => {
          const rejected = this.#tokenRejected;
          this.#tokenRejected = false;
          return rejected;
        },
        onResult: (result) => {
          for (const observer of this.#observers) observer.tokenFetch?.(result);
        },
        warn: (message) => this.#log.warn(message),
      }),
      socket: {
        agent: (url) => this.#proxy.agentFor(url),
        wsUrl: options.wsUrl,
        subscriptionId: options.subscriptionId,
        maxPayload: options.maxPayload,
        closeTimeout: options.closeTimeout,
        scrub: this.#scrub,
        sink,
        onRetiring: (closed, socket) => {
          this.#retiring.add(closed);
          if (socket.wasLive) this.#retiringLive.set(socket.socketId, closed);
          void closed.then(() => {
            this.#retiring.delete(closed);
            this.#retiringLive.delete(socket.socketId);
          });
        },
      },
    };
  }

  #observeActor(): void {
    this.actor.subscribe({
      next: (snapshot) => this.#onSnapshot(snapshot),
      error: (error) => {
        this.#log.error(`The connection statechart crashed: ${describe(error)}`);
        this.#finish(error instanceof ZoomWsError ? error : new ZoomWsError('ERR_ZOOM_WS_STOPPED', `Statechart error: ${describe(error)}`));
      },
      complete: () => this.#finish(undefined),
    });
    this.actor.on('outage', ({ outage }) => {
      this.#afterSnapshot.push(() => this.#reportOutage(outage));
    });
    this.actor.on('retry', ({ attempt, delay, failure }) => {
      if (failure.reason === 'token-rejected') this.#tokenRejected = true;
      this.#afterSnapshot.push(() => {
        if (failure.reason === 'displaced') {
          this.#log.warn(`Another consumer took the subscription (${failure.detail}); trying again in ${delay} ms`);
        } else {
          this.#log.info(`Retrying in ${delay} ms (attempt ${attempt}) after ${failure.reason}: ${failure.detail}`);
        }
      });
    });
    this.actor.on('rotated', ({ replacedSocketId }) => {
      const replaced = replacedSocketId === undefined ? undefined : this.#retiringLive.get(replacedSocketId);
      if (replaced) this.#watchHandover(replaced, Date.now());
      this.#afterSnapshot.push(() => {
        this.#stats.rotations++;
        for (const observer of this.#observers) observer.rotation?.();
        this.#log.info('Token refreshed; the new socket took over without a gap');
      });
    });
    this.actor.on('rotation-failed', ({ attempt, delay, detail }) => {
      this.#afterSnapshot.push(() => this.#log.warn(`Token refresh attempt ${attempt} failed (${detail}); keeping the current socket, retrying in ${delay} ms`));
    });
  }

  #reportOutage(outage: Outage): void {
    this.#outages.push(outage);
    this.#stats.outages++;
    this.#log.warn(`Outage of ${outage.to - outage.from} ms (${outage.reason}: ${outage.detail}), ended by ${outage.endedBy}; events in it are lost`);
    for (const listener of this.#outageListeners) listener(outage);
  }

  /**
   * A rotation hands over to the new socket as soon as it is live. If the replaced socket had already been
   * dropped by then (its close raced the new socket's build_connection), events between its last frame and the
   * handover reached neither socket: report that window as an outage, since Zoom will not replay it.
   */
  #watchHandover(replaced: Promise<RetiredSocketEnd>, handedOverAt: number): void {
    void replaced.then((end) => {
      if (end.clean || end.lastFrameAt >= handedOverAt) return;
      this.#reportOutage({ from: end.lastFrameAt, to: handedOverAt, reason: 'closed', detail: `the replaced socket was ${end.detail} during the handover`, endedBy: 'reconnected' });
    });
  }

  #onSnapshot(snapshot: SnapshotFrom<ConnectionMachine>): void {
    this.#onStateOf(snapshot);
    for (const reaction of this.#afterSnapshot.splice(0)) reaction();
  }

  #onStateOf(snapshot: SnapshotFrom<ConnectionMachine>): void {
    const next = connectionStateOf(snapshot);
    if (next === this.#state) return;
    const change: StateChange = { from: this.#state, to: next, at: Date.now() };
    this.#state = next;
    this.#stateSince = change.at;
    this.#log.info(`${change.from} → ${change.to}`);
    if (change.from === 'open') this.#watchdog?.closed();
    if (next === 'open') {
      this.#lastFrameAt = change.at;
      this.#watchdog?.opened();
      if (this.#hasBeenLive) this.#stats.reconnects++;
      this.#hasBeenLive = true;
      this.#live.resolve();
    }
    for (const listener of this.#stateListeners) listener(change);
    if (next === 'failed') {
      const error = fatalError(snapshot.context.fatal);
      this.#log.error(`Failed: ${error.message}`);
      this.#finish(error);
    }
  }

  /** The `maxEventSilence` watchdog fired while open. */
  #onSilence(silentForMs: number): void {
    const reconnecting = this.#options.reconnectOnSilence;
    const notice: StaleNotice = { silentForMs, lastEventAt: this.#lastEventAt, reconnecting };
    this.#stats.staleNotices++;
    this.#log.warn(`No event for ${silentForMs} ms while open${reconnecting ? '; reconnecting' : ''}`);
    for (const observer of this.#observers) observer.stale?.(notice);
    for (const listener of this.#staleListeners) listener(notice);
    const socketId = this.actor.getSnapshot().context.activeSocketId;
    // Told as if the socket went down: the machine releases it (close 1000) and reconnects with its usual backoff.
    if (reconnecting && socketId !== undefined && this.#state === 'open') {
      this.actor.send({ type: 'SOCKET.DOWN', socketId, reason: 'closed', detail: `stale: no event for ${silentForMs} ms (reconnectOnSilence)`, lastFrameAt: this.#lastEventAt ?? this.#stateSince });
    }
  }

  #finish(error: Error | undefined): void {
    this.#watchdog?.closed();
    const proxyReleased = this.#proxy.close();
    this.#retiring.add(proxyReleased);
    void proxyReleased.then(() => this.#retiring.delete(proxyReleased));
    this.#live.reject(error ?? new ClientStoppedError());
    for (const queue of this.#queues) queue.end();
    this.#queues.clear();
    // Awaited by `stop()` like a closing socket: the inspector flushes the final snapshot, then lets go.
    if (this.#inspector) {
      const released = this.#inspector.stop();
      this.#retiring.add(released);
      void released.then(() => this.#retiring.delete(released));
    }
    this.#done.resolve();
  }
}

function timingsOf(options: ResolvedOptions): ConnectionTimings {
  return {
    heartbeatInterval: options.heartbeatInterval,
    heartbeatTimeout: options.heartbeatTimeout,
    backoffInitial: options.backoffInitial,
    backoffMax: options.backoffMax,
    refreshMargin: options.refreshMargin,
    connectTimeout: options.connectTimeout,
    stablePeriod: options.stablePeriod,
    displacedDelay: options.displacedDelay,
    closeTimeout: options.closeTimeout,
    maxAttempts: options.maxAttempts ?? null,
  };
}

function fatalError(fatal: FatalCause | undefined): Error {
  if (fatal?.kind === 'auth' && fatal.error instanceof Error) return fatal.error;
  if (fatal?.kind === 'retries-exhausted') {
    const last = fatal.lastFailure;
    return new RetriesExhaustedError(fatal.attempts, last ? `${last.reason}: ${last.detail}` : undefined);
  }
  return new ZoomWsError('ERR_ZOOM_WS_STOPPED', 'The client failed');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

/** Settles once; the promise is marked handled so that a fire-and-forget `start()` cannot crash the process. */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
