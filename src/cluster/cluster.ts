import { createActor, type Actor, type AnyActorRef, type SnapshotFrom } from 'xstate';
import type { ConnectionTimings, FatalCause, Outage } from '../../machines/connection.types.js';
import type { PreviousHolder, ReplicaTimings, StepDownReason } from '../../machines/replica.types.js';
import type { SocketSink } from '../actors/socket.js';
import { connectionStateOf, type ConnectionState } from '../client/connection-state.js';
import { createRedactingLogger, silentLogger, type Logger } from '../client/logger.js';
import { createTokenSource } from '../client/token-source.js';
import { KnownSecrets, redactText } from '../protocol/redact.js';
import { proxyCredentials, resolveProxyChoice } from '../transport/proxy-choice.js';
import { ProxyTransport } from '../transport/proxy-transport.js';
import { Secret } from '../protocol/secret.js';
import type { ZoomEvent } from '../protocol/events.js';
import { resolveClusterOptions, CLUSTER_DEFAULTS, type ResolvedClusterOptions, type ZoomWsClusterOptions } from './cluster-options.js';
import { EventPublisher } from './event-publisher.js';
import { subscriptionKeys, type SubscriptionKeys } from './keys.js';
import { idempotencyKey, LeaseStore, type AcquireResult, type FencingToken, type OutageEntry } from './lease-store.js';
import { openClusterRedis, type ClusterRedis } from './cluster-redis.js';
import { LoopLag } from './loop-lag.js';
import { reconnectDelay } from './redis-connection.js';
import { provideReplicaMachine, type ReplicaActorConfig } from './replica-actors.js';

export type ReplicaRole = 'standby' | 'leading';
export type ReplicaState = 'idle' | 'standby' | 'leading' | 'releasing' | 'stopped' | 'failed';

/** A change of {@link ReplicaRole}. */
export interface RoleChange {
  from: ReplicaRole;
  to: ReplicaRole;
  /** Epoch ms. */
  at: number;
  /** Why a leader stepped down (absent when it became leader, or stopped). */
  reason?: StepDownReason;
}

/** Why the subscription was not live across the cluster. */
export type ClusterOutageReason = 'failover' | 'handover' | 'displaced' | 'redis-unavailable' | Outage['reason'];

/** A period in which no replica received the subscription's events; they are lost (Zoom does not replay). */
export interface ClusterOutage {
  /** Epoch ms: the last sign of life of the connection that was lost (never later than the last event it got). */
  from: number;
  /** Epoch ms: live again. */
  to: number;
  reason: ClusterOutageReason;
  detail: string;
  /** The replica that held the subscription before the gap, when another one ended it. */
  previousHolder?: string;
  /** The replica that recorded it. */
  recordedBy: string;
}

/** Counters since the replica was created. */
export interface ClusterStats {
  /** Times this replica took the lease. */
  acquisitions: number;
  /** Step-downs by reason. */
  stepDowns: Record<StepDownReason, number>;
  /** Events this replica stored in the stream. */
  published: number;
  /** Events the stream already had (rotation or handover overlap). */
  duplicates: number;
  /** Publishes rejected because the lease was no longer ours. */
  fencedPublishes: number;
  /** Times displacements came too often to be our own ex-holders: another consumer uses the subscription. */
  foreignDisplacements: number;
  /** Displacements of our socket outside a rotation. */
  displacements: number;
  /** Redis calls that failed (timeouts, connection loss). */
  redisErrors: number;
  /** Outages recorded. */
  outages: number;
  /** Round trip of the last batch published into the stream, ms; unknown before the first. */
  lastPublishLatencyMs?: number;
}

/** What {@link ZoomWsCluster.health} reports. */
export interface ClusterHealth {
  /** False only once the replica failed for good (Zoom refused the credentials, retries exhausted). */
  live: boolean;
  /** A standby waiting with Redis reachable, or a leader whose subscription is open. Not leadership. */
  ready: boolean;
  state: ReplicaState;
  role: ReplicaRole;
  /** This replica holds the lease. */
  leader: boolean;
  /** The Zoom connection's phase (`idle` as a standby). */
  connectionState: ConnectionState;
  /** The last lease call Redis answered, or nothing failed since. */
  redisReachable: boolean;
  /** Epoch ms of the last frame our Zoom socket received, while or since leading. */
  lastFrameAt: number | undefined;
}

/** Heartbeat replies are written to Redis as the last sign of life at most this often (events always are). */
const TOUCH_SHARE_OF_RENEW = 0.5;

/**
 * One replica of a Zoom event subscription shared by several processes through Redis: at most one of them (the
 * leader, holder of a fenced lease) holds the Zoom connection and appends every event to the subscription's
 * stream; the others are hot standbys that take over when the leader stops, crashes or loses Redis.
 * The lifecycle is the {@link replicaMachine} statechart ({@link ZoomWsCluster.actor}).
 *
 * ```ts
 * const replica = new ZoomWsCluster({ accountId, clientId, clientSecret, subscriptionId, redis: 'redis://127.0.0.1:6379' });
 * replica.onRoleChange(({ to }) => console.log('now', to));
 * await replica.start();
 * ```
 */
export class ZoomWsCluster implements AsyncDisposable {
  readonly actor: Actor<ReturnType<typeof provideReplicaMachine>>;
  readonly replicaId: string;
  readonly keys: SubscriptionKeys;
  readonly #options: ResolvedClusterOptions;
  readonly #log: Logger;
  readonly #secrets = new KnownSecrets();
  readonly #scrub = (text: string): string => redactText(text, this.#secrets);
  readonly #proxy: ProxyTransport;
  readonly #stats: ClusterStats = {
    acquisitions: 0,
    stepDowns: { 'renew-deadline': 0, 'lease-lost': 0, fenced: 0 },
    published: 0,
    duplicates: 0,
    fencedPublishes: 0,
    foreignDisplacements: 0,
    displacements: 0,
    redisErrors: 0,
    outages: 0,
  };
  readonly #roleListeners = new Set<(change: RoleChange) => void>();
  readonly #outageListeners = new Set<(outage: ClusterOutage) => void>();
  readonly #publishListeners = new Set<(event: ZoomEvent) => void>();
  readonly #retiring = new Set<Promise<unknown>>();
  #redis: ClusterRedis | undefined;
  #store: LeaseStore | undefined;
  #publisher: EventPublisher | undefined;
  #role: ReplicaRole = 'standby';
  #state: ReplicaState = 'idle';
  /** The lease this replica dials and publishes under. */
  #token: FencingToken | undefined;
  #previous: PreviousHolder | undefined;
  #termLive = false;
  /** Epoch ms of the last frame our Zoom socket received. */
  #lastFrameAt = 0;
  #lastTouchAt = 0;
  #child: AnyActorRef | undefined;
  #childLive = false;
  /** Set while a term's connection is down between children (a retake after a displacement), or when stopping mid-outage. */
  #termGap: { at: number; reason: ClusterOutageReason; detail: string } | undefined;
  /** Our own connection, lost by stepping down: reported by us if Redis lost what would tell a successor. */
  #ownGap: { at: number; reason: StepDownReason; era: string | undefined } | undefined;
  /** Epoch ms of the oldest event of this term that reached us and will never be stored (fenced or dropped). */
  #unstoredSince: number | undefined;
  /** The era of the lease state when we last acquired (see {@link AcquireResult}). */
  #era: string | undefined;
  /** Epoch ms of the last lease call Redis answered. */
  #redisOkAt: number | undefined;
  /** Redis stopped answering us after this (epoch ms); cleared once someone holds the lease again. */
  #redisDownSince: number | undefined;
  /** Epoch ms Redis answered again after failing (undefined while it fails). */
  #redisBackAt: number | undefined;
  /** The holder's term (`id|token`) our last acquire attempt saw. */
  #seenTerm: string | undefined;
  /** The last lease call failed (for health: a standby that cannot reach Redis is not ready). */
  #redisFailing = false;
  /** Zoom refused the last token: the next `tokenProvider` call is told so. */
  #tokenRejected = false;
  readonly #loopLag = new LoopLag();
  /** Outages Redis did not take yet, retried with backoff until it does or we stop. */
  readonly #outageRetries = new Set<NodeJS.Timeout>();
  #started = false;
  #stopping: Promise<void> | undefined;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  /** @throws {ZoomWsConfigError} when an option is missing, malformed, or the timings do not hold together. */
  constructor(options: ZoomWsClusterOptions) {
    this.#options = resolveClusterOptions(options);
    const resolved = this.#options;
    const client = resolved.client;
    this.replicaId = resolved.replicaId;
    this.keys = subscriptionKeys(resolved.keyPrefix, client.subscriptionId);
    this.#secrets.add(client.clientSecret);
    this.#secrets.add(Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64'));
    for (const password of redisPasswordOf(resolved.redis)) this.#secrets.add(password);
    const proxies = resolveProxyChoice(client.proxy, process.env);
    for (const credential of proxyCredentials(proxies.proxies)) this.#secrets.add(credential);
    this.#proxy = new ProxyTransport(proxies);
    this.#log = client.logger ? createRedactingLogger(client.logger, () => this.#secrets) : silentLogger;
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
    // The same token path as the single-process client (proxy, provider, scrubbing); only a leader runs it.
    const tokenRequest: ReplicaActorConfig['token'] = {
      oauthUrl: client.oauthUrl,
      grantType: client.grantType,
      accountId: client.accountId,
      clientId: client.clientId,
      clientSecret: new Secret(client.clientSecret),
      timeout: client.tokenTimeout,
      onToken: (token) => this.#secrets.addToken(token),
      onWarning: (message) => this.#log.warn(message),
      scrub: this.#scrub,
    };
    const proxiedFetch = this.#proxy.fetchFor(client.oauthUrl);
    if (proxiedFetch) tokenRequest.fetch = proxiedFetch;
    const machine = provideReplicaMachine({
      token: tokenRequest,
      obtainToken: createTokenSource({
        request: tokenRequest,
        provider: client.tokenProvider,
        onFetched: client.onToken,
        onValue: (token) => this.#secrets.addToken(token),
        takeRejected: () => {
          const rejected = this.#tokenRejected;
          this.#tokenRejected = false;
          return rejected;
        },
        onResult: () => {},
        warn: (message) => this.#log.warn(message),
      }),
      socket: {
        agent: (url) => this.#proxy.agentFor(url),
        scrub: this.#scrub,
        wsUrl: client.wsUrl,
        subscriptionId: client.subscriptionId,
        maxPayload: client.maxPayload,
        closeTimeout: client.closeTimeout,
        sink: this.#sink(),
        onRetiring: (closed) => {
          this.#retiring.add(closed);
          void closed.then((end) => {
            this.#retiring.delete(closed);
            this.#lastFrameAt = Math.max(this.#lastFrameAt, end.lastFrameAt);
          });
        },
      },
      leaseToken: () => this.#token,
      acquire: () => this.#lease((store) => store.acquire()).then((outcome) => {
        if (outcome.acquired) this.#era = outcome.era;
        else if (outcome.holder !== undefined && outcome.holder !== this.replicaId) this.#onSuccessor(outcome);
        return outcome;
      }),
      renew: (token) => this.#lease((store) => store.renew(token, this.#lastFrameAt ? this.#aliveAt(this.#lastFrameAt) : undefined)),
      check: (token) => this.#lease((store) => store.check(token, resolved.leaseTtl - resolved.renewDeadline)),
      release: (token) => this.#release(token),
      leaseLost: (detail) => this.actor.send({ type: 'LEASE.LOST', detail }),
    });
    this.actor = createActor(machine, { input: { timings: replicaTimingsOf(resolved), connection: { timings: connectionTimingsOf(resolved) } } });
    this.#observe();
  }

  get role(): ReplicaRole {
    return this.#role;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  /** A copy of the counters. */
  get stats(): ClusterStats {
    return { ...this.#stats, stepDowns: { ...this.#stats.stepDowns } };
  }

  /** Resolves once the replica reached `stopped` or `failed` (after `stop()`, or a fatal Zoom failure). Never rejects. */
  get finished(): Promise<void> {
    return this.#done;
  }

  /**
   * For probes. `ready` never means "is the leader": a standby waiting for the lease with Redis reachable is ready
   * (it is doing its job), a leader once its subscription is open. Leadership is its own field (`leader`).
   * `live` is false only once the replica failed for good.
   */
  health(): ClusterHealth {
    const state = this.#state;
    const connectionState = this.connectionState;
    const redisReachable = !this.#redisFailing;
    const ready = redisReachable && (state === 'standby' || (state === 'leading' && connectionState === 'open'));
    return { live: state !== 'failed', ready, state, role: this.#role, leader: this.#role === 'leading', connectionState, redisReachable, lastFrameAt: this.#lastFrameAt || undefined };
  }

  /** The Zoom connection's phase while leading; `idle` as a standby. */
  get connectionState(): ConnectionState {
    const child = this.#child;
    return child ? connectionStateOf(child.getSnapshot()) : 'idle';
  }

  /**
   * Connects to Redis and starts competing for the lease. Resolves once the replica runs (as a standby or
   * leader); with Redis unreachable it keeps retrying with backoff and never connects to Zoom.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const options = this.#options;
    this.#redis = await openClusterRedis(options.redis, {
      commandTimeout: options.redisCommandTimeout,
      log: this.#log,
      onWake: () => this.actor.send({ type: 'WAKE' }),
      wakeChannel: this.keys.wake,
    });
    this.#store = new LeaseStore(this.#redis.client, this.keys, { replicaId: this.replicaId, leaseTtl: options.leaseTtl, retentionMs: options.retention });
    this.#publisher = new EventPublisher(this.#store, {
      roundTrip: (ms) => {
        this.#stats.lastPublishLatencyMs = ms;
      },
      published: (event) => {
        this.#stats.published++;
        for (const listener of this.#publishListeners) listener(event);
      },
      duplicate: () => this.#stats.duplicates++,
      fenced: (token, dropped, oldestAt) => {
        this.#stats.fencedPublishes += dropped;
        this.#unstoredSince = Math.min(this.#unstoredSince ?? Infinity, oldestAt);
        this.#log.warn(`${dropped} event(s) not published: the lease (token ${token}) is no longer ours`);
        if (token === this.#token) this.actor.send({ type: 'PUBLISH.FENCED' });
      },
      failed: (error, retryIn) => {
        this.#stats.redisErrors++;
        this.#log.warn(`Publishing failed (${describe(error)}); retrying in ${retryIn} ms`);
      },
      dropped: (count, oldestAt, newestAt) => {
        this.#unstoredSince = Math.min(this.#unstoredSince ?? Infinity, oldestAt);
        this.#log.error(`${count} event(s) dropped: Redis has not answered for too long`);
        void this.#record({ from: oldestAt - 1, to: newestAt, reason: 'redis-unavailable', detail: `${count} event(s) dropped: Redis did not take them for too long` });
      },
    }, Math.max(50, Math.floor(options.renewInterval / 4)));
    this.#loopLag.start();
    this.actor.start();
    this.actor.send({ type: 'START' });
  }

  /**
   * Hands over: closes the Zoom socket (1000), publishes what is queued, releases the lease (which wakes a
   * standby at once) and closes the Redis connections it opened. Idempotent. Afterwards nothing of the replica
   * keeps the process alive.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (!this.#started) {
        this.#started = true;
        this.#state = 'stopped';
        return;
      }
      if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'STOP' });
      await this.#done;
      await Promise.all(this.#retiring);
      this.#publisher?.close();
      this.#loopLag.stop();
      for (const timer of this.#outageRetries) clearTimeout(timer);
      if (this.#outageRetries.size > 0) this.#log.warn(`${this.#outageRetries.size} outage(s) not stored: Redis did not answer before the stop`);
      this.#outageRetries.clear();
      await this.#redis?.release();
      await this.#proxy.close();
    })();
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Calls `listener` when this replica becomes leader or steps down. Returns a function that unsubscribes. */
  onRoleChange(listener: (change: RoleChange) => void): () => void {
    this.#roleListeners.add(listener);
    return () => this.#roleListeners.delete(listener);
  }

  /** Calls `listener` for every outage this replica records (also appended to the outages stream). */
  onOutage(listener: (outage: ClusterOutage) => void): () => void {
    this.#outageListeners.add(listener);
    return () => this.#outageListeners.delete(listener);
  }

  /** Calls `listener` for every event this replica stored in the stream (duplicates excluded). */
  onPublished(listener: (event: ZoomEvent) => void): () => void {
    this.#publishListeners.add(listener);
    return () => this.#publishListeners.delete(listener);
  }

  /** Runs a lease call, counting Redis failures and remembering since when Redis has not answered. */
  async #lease<T>(call: (store: LeaseStore) => Promise<T>): Promise<T> {
    try {
      const result = await call(this.#store!);
      this.#redisOkAt = Date.now();
      if (this.#redisFailing) this.#redisBackAt = this.#redisOkAt;
      this.#redisFailing = false;
      return result;
    } catch (error) {
      this.#stats.redisErrors++;
      this.#redisFailing = true;
      this.#redisDownSince ??= this.#redisOkAt ?? Date.now();
      throw error;
    }
  }

  /**
   * Someone else holds the lease now. The gap since our own loss is theirs to record, from the last sign of life we
   * wrote, unless Redis lost its data in between (another era): then only we know when our connection really ended,
   * so we record that part ourselves, up to when the successor went live.
   */
  #onSuccessor(holder: Extract<AcquireResult, { acquired: false }>): void {
    // A term from before Redis failed may not have survived it (its holder could not renew either): the gap stays
    // open for us to record until a new term begins, or until that one outlived a lease time since Redis is back.
    const term = `${holder.holder}|${holder.holderToken}`;
    const survived = term !== this.#seenTerm || this.#redisBackAt === undefined || Date.now() - this.#redisBackAt > this.#options.leaseTtl;
    this.#seenTerm = term;
    if (survived) this.#redisDownSince = undefined;
    const own = this.#ownGap;
    if (!own) return;
    if (own.era !== undefined && holder.era === own.era) {
      this.#ownGap = undefined;
      return;
    }
    // Not live yet: the end of our part is not known; a later poll sees it (or we take the lease back ourselves).
    if (holder.holderLiveSince === undefined) return;
    this.#ownGap = undefined;
    const detail = `our own connection, lost by stepping down (${own.reason}); Redis lost its data, so ${holder.holder} could not date the gap`;
    void this.#record({ from: own.at, to: Math.max(own.at, holder.holderLiveSince), reason: 'redis-unavailable', detail }, { fenced: false });
  }

  #sink(): SocketSink {
    return {
      event: (event, content) => {
        const now = Date.now();
        this.#lastFrameAt = now;
        const token = this.#token;
        if (token === undefined) return;
        this.#publisher?.push(token, { event: content, key: idempotencyKey(content), receivedAt: now }, event);
      },
      skipped: (reason) => this.#log.warn(`Skipped a frame: ${reason}`),
      connecting: (url, socketId) => this.#log.debug(`${socketId}: connecting to ${url}`),
      heartbeatRoundTrip: () => {
        const now = Date.now();
        this.#lastFrameAt = now;
        const token = this.#token;
        if (token === undefined || now - this.#lastTouchAt < this.#options.renewInterval * TOUCH_SHARE_OF_RENEW) return;
        this.#lastTouchAt = now;
        this.#store?.touch(token, this.#aliveAt(now)).catch(() => this.#stats.redisErrors++);
      },
    };
  }

  async #release(token: FencingToken): Promise<boolean> {
    // The connection child is stopped already; its sockets are closing (1000). Give the lease up only once they
    // are closed, so the successor's dial never displaces us.
    await Promise.all(this.#retiring);
    await this.#publisher?.drain(this.#options.client.closeTimeout);
    const store = this.#store!;
    try {
      // Stopped inside an outage (our reconnect, a displacement back-off, a takeover not live yet): nobody else
      // would record it before a successor goes live, maybe never. Record it up to now while the lease is ours.
      const now = Date.now();
      const open = this.#openGap(now);
      if (open) await this.#record(open);
      if (this.#termLive || open) await store.touch(token, this.#aliveAt(Math.max(this.#lastFrameAt, now)));
      return await store.release(token);
    } catch (error) {
      this.#stats.redisErrors++;
      this.#log.warn(`Could not release the lease (${describe(error)}); it expires after ${this.#options.leaseTtl} ms`);
      return false;
    }
  }

  #observe(): void {
    this.actor.subscribe({
      next: (snapshot) => this.#onSnapshot(snapshot),
      error: (error) => {
        this.#log.error(`The replica statechart crashed: ${describe(error)}`);
        this.#resolveDone();
      },
      complete: () => this.#resolveDone(),
    });
    this.actor.on('acquired', ({ token, previous }) => {
      this.#token = token;
      this.#unstoredSince = undefined;
      this.#previous = previous;
      this.#termLive = false;
      this.#termGap = undefined;
      this.#stats.acquisitions++;
      this.#log.info(`Acquired the lease (token ${token})`);
      this.#log.debug(`The previous holder left: ${JSON.stringify(previous)}`);
    });
    this.actor.on('acquire-failed', ({ detail }) => this.#log.warn(`Redis unavailable (${detail}): not connecting to Zoom; retrying`));
    this.actor.on('renew-failed', ({ detail }) => this.#log.warn(`Renewing the lease failed: ${detail}`));
    this.actor.on('stepped-down', ({ reason, detail }) => {
      this.#stats.stepDowns[reason]++;
      this.#log.warn(`Stepped down (${reason}): ${detail}`);
      this.#pendingStepDown = reason;
    });
    this.actor.on('displaced', ({ retakeIn }) => {
      this.#stats.displacements++;
      this.#log.warn(`Displaced while holding the lease: a stale ex-holder or another consumer; retaking in ${retakeIn} ms`);
    });
    this.actor.on('foreign-consumer', ({ displacements, backoff }) => {
      this.#stats.displacements++;
      this.#stats.foreignDisplacements++;
      this.#log.warn(`Another consumer uses this subscription (${displacements} displacements within ${CLUSTER_DEFAULTS.foreignWindow / 60_000} minutes); backing off ${backoff} ms`);
    });
  }

  #pendingStepDown: StepDownReason | undefined;

  #onSnapshot(snapshot: SnapshotFrom<ReturnType<typeof provideReplicaMachine>>): void {
    const state = replicaStateOf(snapshot);
    const child = snapshot.children.connection as AnyActorRef | undefined;
    if (child !== this.#child) this.#onChild(child, state);
    if (state !== this.#state) {
      this.#state = state;
      this.#log.info(`replica ${this.replicaId}: ${state}`);
    }
    const role: ReplicaRole = state === 'leading' ? 'leading' : 'standby';
    if (role !== this.#role) {
      const change: RoleChange = { from: this.#role, to: role, at: Date.now() };
      if (role === 'standby' && this.#pendingStepDown) change.reason = this.#pendingStepDown;
      this.#pendingStepDown = undefined;
      this.#role = role;
      this.#log.info(`role ${change.from} → ${change.to}${change.reason ? ` (${change.reason})` : ''} [${this.replicaId}]`);
      for (const listener of this.#roleListeners) listener(change);
    }
  }

  /** The connection child came or went (a retake, a back-off, a step-down, a stop). */
  #onChild(child: AnyActorRef | undefined, state: ReplicaState): void {
    const fatal = (this.#child?.getSnapshot() as { value?: unknown; context?: { fatal?: FatalCause } } | undefined);
    if (fatal?.value === 'failed') this.#log.error(`The Zoom connection failed for good (${describeFatal(fatal.context?.fatal)}); releasing the lease and stopping`);
    // The child only reports an outage once it reconnects: one still open as it goes is ours to carry on.
    const open = (this.#child?.getSnapshot() as { context?: { outageSince?: { at: number; reason: Outage['reason']; detail: string } } } | undefined)?.context?.outageSince;
    if (this.#child && (this.#childLive || open)) {
      // Never later than an event that reached us and was not stored (still queued, or dropped as fenced).
      const at = this.#aliveAt(this.#childLive ? this.#lastFrameAt || Date.now() : open!.at);
      if (state === 'leading') this.#termGap = { at, reason: 'displaced', detail: 'displaced while holding the lease; retaken' };
      else if (state === 'standby') this.#ownGap = { at, reason: this.#pendingStepDown ?? 'lease-lost', era: this.#era };
      else if (!this.#childLive) this.#termGap = { at, reason: open!.reason, detail: `${open!.detail}; stopped before reconnecting` };
    }
    this.#child = child;
    this.#childLive = false;
    if (!child) return;
    child.on('outage', ({ outage }: { outage: Outage }) => {
      // Frames our busy event loop had not read yet when Zoom dropped the socket were lost with it.
      if (outage.endedBy === 'reconnected') void this.#record({ from: outage.from - this.#loopLag.recentMaxMs(), to: outage.to, reason: outage.reason, detail: outage.detail });
    });
    child.on('retry', ({ failure }: { failure: { reason: string } }) => {
      if (failure.reason === 'token-rejected') this.#tokenRejected = true;
    });
    child.on('rotated', () => this.#log.info('Token refreshed; the new socket took over without a gap'));
    let shown: ConnectionState = 'idle';
    child.subscribe((snapshot: SnapshotFrom<typeof import('../../machines/connection.machine.js').connectionMachine>) => {
      if (child !== this.#child) return;
      const connection = connectionStateOf(snapshot);
      if (connection !== shown) {
        this.#log.info(`zoom ${shown} → ${connection}`);
        shown = connection;
      }
      const live = connection === 'open';
      if (live && !this.#childLive) this.#onLive();
      this.#childLive = live;
    });
  }

  /** A connection child went live for the first time. */
  #onLive(): void {
    const now = Date.now();
    this.#lastFrameAt = now;
    const token = this.#token;
    if (token === undefined) return;
    if (!this.#termLive) {
      this.#termLive = true;
      this.#store?.markLive(token, now).catch(() => this.#stats.redisErrors++);
      const gap = this.#successionGap(now);
      if (gap) void this.#record(gap);
      return;
    }
    const gap = this.#termGap;
    this.#termGap = undefined;
    if (gap) void this.#record({ from: gap.at, to: now, reason: gap.reason, detail: gap.detail });
  }

  /**
   * The last sign of life we may claim at `at`: never past an event that reached us but is not stored yet. If the
   * lease is lost before it is stored (fenced, dropped), the successor's outage starts here and so still covers it.
   */
  #aliveAt(at: number): number {
    const waiting = this.#publisher?.oldestQueuedAt ?? Infinity;
    // A frame is stamped when read; it may have reached the machine up to one event-loop delay earlier.
    return Math.min(at - this.#loopLag.recentMaxMs(), waiting - 1, (this.#unstoredSince ?? Infinity) - 1);
  }

  /** The outage this term is in at `now`, if its connection is not live. */
  #openGap(now: number): Omit<ClusterOutage, 'recordedBy'> | undefined {
    if (!this.#termLive) return this.#successionGap(now);
    const gap = this.#termGap;
    this.#termGap = undefined;
    if (gap) return { from: gap.at, to: now, reason: gap.reason, detail: gap.reason === 'displaced' ? 'displaced while holding the lease; stopped before retaking' : gap.detail };
    return undefined;
  }

  /** The gap between the previous holder's last sign of life and our going live, from what Redis kept. */
  #successionGap(now: number): Omit<ClusterOutage, 'recordedBy'> | undefined {
    const previous = this.#previous ?? {};
    const own = this.#ownGap;
    const redisDownSince = this.#redisDownSince;
    this.#ownGap = undefined;
    this.#redisDownSince = undefined;
    // A holder that never wrote a sign of life (cut off right after going live) may have been live since it acquired.
    const lastSign = previous.lastAliveAt ?? previous.liveSince ?? previous.acquiredAt;
    if (previous.holder === undefined || lastSign === undefined) {
      // Nothing in Redis (first start, or Redis lost its data): what we saw ourselves bounds the gap. The
      // holder was live at least until Redis stopped answering us, so the window may be wider, never shorter.
      const from = Math.min(own?.at ?? Infinity, redisDownSince ?? Infinity);
      if (from === Infinity) return undefined;
      return { from, to: now, reason: 'redis-unavailable', detail: own ? `our own connection, lost by stepping down (${own.reason}); Redis kept no state of the holder` : 'Redis was unavailable and kept no state of the holder' };
    }
    const from = own ? Math.min(own.at, lastSign) : lastSign;
    // A release older than the previous holder's acquisition belongs to an earlier holder.
    const released = previous.releasedAt !== undefined && (previous.acquiredAt === undefined || previous.releasedAt >= previous.acquiredAt);
    if (released) return { from, to: now, reason: 'handover', detail: `planned handover from ${previous.holder}`, previousHolder: previous.holder };
    if (redisDownSince !== undefined || own?.reason === 'renew-deadline') {
      return { from, to: now, reason: 'redis-unavailable', detail: `Redis did not answer; ${previous.holder} lost the lease`, previousHolder: previous.holder };
    }
    return { from, to: now, reason: 'failover', detail: `${previous.holder} stopped renewing the lease`, previousHolder: previous.holder };
  }

  /** `fenced: false` records without holding the lease: for our own part of a gap that a successor could not date. */
  #record(outage: Omit<ClusterOutage, 'recordedBy'>, { fenced = true } = {}): Promise<void> {
    const full: ClusterOutage = { ...outage, from: Math.min(outage.from, outage.to), recordedBy: this.replicaId };
    this.#stats.outages++;
    this.#log.warn(`Outage of ${full.to - full.from} ms (${full.reason}: ${full.detail}); events in it are lost`);
    for (const listener of this.#outageListeners) listener(full);
    const token = fenced ? this.#token : undefined;
    const entry = { from: full.from, to: full.to, reason: full.reason, detail: full.detail, ...(full.previousHolder ? { previousHolder: full.previousHolder } : {}) };
    return (this.#store?.recordOutage(token ?? null, entry) ?? Promise.resolve(true)).then(
      (stored) => {
        if (stored) return;
        // We lost the lease: step down, but keep the outage (its events are lost all the same).
        this.actor.send({ type: 'PUBLISH.FENCED' });
        this.#retryRecord(entry, 0);
      },
      (error: unknown) => {
        this.#stats.redisErrors++;
        this.#log.warn(`Could not store the outage (${describe(error)}); retrying`);
        this.#retryRecord(entry, 1);
      },
    );
  }

  /**
   * An outage happened whether or not we still hold the lease, so a retry is not fenced: the gap Redis did not
   * take (it was restarting, say) is often the one whose events it lost, and must not vanish from the stream.
   */
  #retryRecord(entry: OutageEntry, attempt: number): void {
    if (this.#stopping) {
      this.#log.warn(`Outage from ${new Date(entry.from).toISOString()} not stored: stopping`);
      return;
    }
    const delay = attempt === 0 ? 0 : reconnectDelay(attempt - 1, this.#options.acquireInterval, this.#options.leaseTtl);
    const timer = setTimeout(() => {
      this.#outageRetries.delete(timer);
      this.#store!.recordOutage(null, entry).catch((error: unknown) => {
        this.#stats.redisErrors++;
        this.#log.debug(`Storing the outage failed again (${describe(error)})`);
        this.#retryRecord(entry, attempt + 1);
      });
    }, delay);
    this.#outageRetries.add(timer);
  }
}

/** A password in the Redis URL is a secret like the client secret: scrubbed from every log line. */
function redisPasswordOf(redis: ResolvedClusterOptions['redis']): string[] {
  if (typeof redis !== 'string') return [];
  const password = new URL(redis).password;
  return password ? [password, decodeURIComponent(password)] : [];
}

function replicaStateOf(snapshot: { value: unknown }): ReplicaState {
  const value = snapshot.value;
  if (typeof value === 'string') return value as ReplicaState;
  return Object.keys(value as object)[0] as ReplicaState;
}

function replicaTimingsOf(options: ResolvedClusterOptions): ReplicaTimings {
  return {
    leaseTtl: options.leaseTtl,
    renewInterval: options.renewInterval,
    renewDeadline: options.renewDeadline,
    acquireInterval: options.acquireInterval,
    retakeDelay: options.acquireInterval,
    displacedDelay: options.client.displacedDelay,
    foreignWindow: CLUSTER_DEFAULTS.foreignWindow,
    foreignThreshold: CLUSTER_DEFAULTS.foreignThreshold,
  };
}

function connectionTimingsOf(options: ResolvedClusterOptions): ConnectionTimings {
  const client = options.client;
  return {
    heartbeatInterval: client.heartbeatInterval,
    heartbeatTimeout: client.heartbeatTimeout,
    backoffInitial: client.backoffInitial,
    backoffMax: client.backoffMax,
    refreshMargin: client.refreshMargin,
    connectTimeout: client.connectTimeout,
    stablePeriod: client.stablePeriod,
    displacedDelay: client.displacedDelay,
    closeTimeout: client.closeTimeout,
    maxAttempts: client.maxAttempts ?? null,
  };
}

function describeFatal(fatal: FatalCause | undefined): string {
  if (fatal?.kind === 'auth') return describe(fatal.error);
  if (fatal?.kind === 'retries-exhausted') return `gave up after ${fatal.attempts} attempts`;
  return 'unknown cause';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
