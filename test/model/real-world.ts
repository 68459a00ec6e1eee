/**
 * The system under test for the model-based tests: a real {@link ZoomWsClient} talking over loopback to
 * the embedded simulator through the gates of `test/support/gates.ts`, under fake timers that follow the
 * model's clock. {@link RealWorld.perform} turns a model event into real actions; {@link RealWorld.verify}
 * checks that the client and the world are where the model says.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import { vi } from 'vitest';
import { ZoomWsClient, type ZoomEvent } from '../../src/index.js';
import { createZoomSimulator, type TokenFailureOptions, type ZoomSimulator } from '../../src/simulator/index.js';
import { TokenGate, WsGate } from '../support/gates.js';
import { sampleEvent } from '../support/harness.js';
import { addedHandles, eventually, liveHandles } from '../support/wait.js';
import {
  describeEvent,
  MODEL_EPOCH,
  MODEL_RANDOM,
  MODEL_TIMINGS,
  TOKEN_TTL_MS,
  transitionKey,
  type MachineSnapshot,
  type ModelEvent,
  type World,
} from './world-model.js';

/** Real-world variants, used in turn across the run (deterministic: paths run in a fixed order). */
const VARIANTS = {
  fatalToken: [
    { status: 400, body: JSON.stringify({ reason: 'Invalid client_id or client_secret', error: 'invalid_client' }) },
    { status: 401 },
    { status: 400, body: JSON.stringify({ reason: 'unsupported grant type', error: 'unsupported_grant_type' }) },
    { status: 403 },
  ] satisfies TokenFailureOptions[],
  transientToken: [
    { status: 500 },
    'network',
    { status: 503 },
    { malformed: 'not-json' },
    { status: 429 },
    { malformed: 'wrong-shape' },
    { status: 502 },
    { status: 408 },
  ] satisfies (TokenFailureOptions | 'network')[],
  rejectionWording: ['Invalid Token', 'Token is invalid', 'token has expired'],
  upgradeFailure: [503, 500, 404, 502],
  upgradeRejection: [401, 403],
  closeCode: [1001, 1011, 4000, 1000, 1012, 3000, 4999],
};
const turns = new Map<string, number>();
function next<T>(name: keyof typeof VARIANTS): T {
  const list = VARIANTS[name] as unknown as readonly T[];
  const index = turns.get(name) ?? 0;
  turns.set(name, index + 1);
  return list[index % list.length]!;
}

/** Every transition key the real clients took, over all paths. */
export const realCoverage = new Set<string>();

export interface RealWorldOptions {
  /** The client secret of the simulator and the client. Default: the simulator's. */
  clientSecret?: string;
  /** Keep a text form of every inspection event and message (for the secrets scan). */
  keepInspection?: boolean;
}

export class RealWorld {
  readonly events: ZoomEvent[] = [];
  /** Errors `start()` rejected with. */
  readonly errors: unknown[] = [];
  /** Access tokens the simulator issued. */
  readonly tokens: string[] = [];
  /** Text forms of inspection events (raw xstate ones and the client's redacted messages), when kept. */
  readonly inspection: string[] = [];
  readonly #taken: string[] = [];
  #stepStart = 0;
  #emitted = 0;
  #stopped: Promise<void> | undefined;
  #clientInspection: string[] = [];

  /** The client's own (redacted) inspection messages, as JSON. */
  get inspectionMessages(): readonly string[] {
    return this.#clientInspection;
  }

  private constructor(
    readonly sim: ZoomSimulator,
    readonly tokenGate: TokenGate,
    readonly wsGate: WsGate,
    readonly client: ZoomWsClient,
    /** Handles after the simulator and gates were up, before the client did anything. */
    readonly baseline: string[],
    /** Everything the client logged, as `level message`. */
    readonly logs: string[],
    keepInspection = false,
  ) {
    sim.on('token', ({ accessToken }) => this.tokens.push(accessToken));
    client.on('*', (event) => {
      this.events.push(event);
    });
    client.actor.system.inspect((inspection) => {
      if (keepInspection) this.inspection.push(describeInspection(inspection as unknown as Parameters<typeof describeInspection>[0]));
      if (inspection.type !== '@xstate.microstep' || inspection.actorRef !== client.actor) return;
      for (const transition of (inspection as unknown as { _transitions: Parameters<typeof transitionKey>[0][] })._transitions) {
        const key = transitionKey(transition);
        this.#taken.push(key);
        realCoverage.add(key);
      }
    });
  }

  static async create({ clientSecret, keepInspection = false }: RealWorldOptions = {}): Promise<RealWorld> {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: MODEL_EPOCH });
    vi.spyOn(Math, 'random').mockReturnValue(MODEL_RANDOM);
    const sim = await createZoomSimulator({ tokenTtlSeconds: TOKEN_TTL_MS / 1000, ...(clientSecret ? { clientSecret } : {}) });
    const inspected: string[] = [];
    const tokenGate = await TokenGate.start(sim.oauthUrl);
    const wsGate = await WsGate.start(sim.wsUrl);
    const logs: string[] = [];
    const log = (level: string) => (message: string) => logs.push(`${level} ${message}`);
    const client = new ZoomWsClient({
      ...sim.credentials,
      oauthUrl: tokenGate.url,
      wsUrl: wsGate.url,
      heartbeatInterval: MODEL_TIMINGS.heartbeatInterval,
      heartbeatTimeout: MODEL_TIMINGS.heartbeatTimeout,
      backoffInitial: MODEL_TIMINGS.backoffInitial,
      backoffMax: MODEL_TIMINGS.backoffMax,
      refreshMargin: MODEL_TIMINGS.refreshMargin,
      connectTimeout: MODEL_TIMINGS.connectTimeout,
      stablePeriod: MODEL_TIMINGS.stablePeriod,
      displacedDelay: MODEL_TIMINGS.displacedDelay,
      closeTimeout: MODEL_TIMINGS.closeTimeout,
      maxAttempts: MODEL_TIMINGS.maxAttempts ?? undefined,
      // The world, not the clock, decides when a token request ends.
      tokenTimeout: 2 ** 31 - 1,
      maxPayload: 1024,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      ...(keepInspection ? { inspect: (message: unknown) => void inspected.push(JSON.stringify(message)) } : {}),
    });
    const world = new RealWorld(sim, tokenGate, wsGate, client, liveHandles(), logs, keepInspection);
    world.#clientInspection = inspected;
    return world;
  }

  /** Releases everything, restores real timers. */
  async dispose(): Promise<void> {
    try {
      if (this.client.actor.getSnapshot().status === 'active') {
        this.#stopped ??= this.client.stop().then(() => undefined);
        // A closing socket waits for its close handshake at most closeTimeout of (fake) time.
        for (const connection of this.wsGate.connections) connection.thaw();
        await vi.advanceTimersByTimeAsync(MODEL_TIMINGS.closeTimeout + 1);
      }
      await withRealDeadline(this.#stopped ?? Promise.resolve(), 'client.stop()');
    } finally {
      await this.wsGate.close();
      await this.tokenGate.close();
      await this.sim.stop();
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  }

  /** Marks the start of a model step (the real transitions taken from here on belong to it). */
  beginStep(): void {
    this.#stepStart = this.#taken.length;
  }

  get #machine(): MachineSnapshot {
    return this.client.actor.getSnapshot();
  }

  /** Makes `event` happen in the real world. */
  async perform(event: ModelEvent): Promise<void> {
    const { sim, tokenGate, wsGate } = this;
    const context = this.#machine.context;
    const socketId = event.socketId as string | undefined;
    switch (event.via) {
      case 'start':
        this.client.start().catch((error: unknown) => this.errors.push(error));
        return;
      case 'stop':
        // Hold back the server's answer to our close frame, so that `closing` lasts until the model says.
        if (this.#machine.matches({ connection: 'open' })) wsGate.forSocket(context.activeSocketId).freeze();
        this.#stopped = this.client.stop().then(() => undefined);
        return;
      case 'token-ok':
        await tokenGate.release();
        return;
      case 'token-fatal':
        sim.faults.failTokenRequests(1, next<TokenFailureOptions>('fatalToken'));
        await tokenGate.release();
        return;
      case 'token-transient': {
        const how = next<TokenFailureOptions | 'network'>('transientToken');
        if (how === 'network') {
          tokenGate.fail();
          return;
        }
        sim.faults.failTokenRequests(1, how);
        await tokenGate.release();
        return;
      }
      case 'release':
        if (socketId === context.pendingSocketId) {
          // Rotation: the new socket's build_connection must arrive before the old socket hears it was replaced.
          const old = wsGate.forSocket(context.activeSocketId);
          old.freeze();
          wsGate.forSocket(socketId).release();
          await eventually(() => (this.#machine.context.activeSocketId === socketId ? undefined : 'not promoted yet'), 'promotion');
          old.thaw();
          return;
        }
        // build_connection goes through; the client sends its first heartbeat at once and the simulator
        // answers it (the model's reactions to entering open: HEARTBEAT.DUE, then ALIVE).
        wsGate.forSocket(socketId).release();
        return;
      case 'revoke-tokens':
        sim.faults.revokeTokens();
        wsGate.forSocket(socketId).release();
        return;
      case 'refuse-connection':
        sim.faults.refuseConnections(1, event.cause === 'token-rejected' ? next<string>('rejectionWording') : 'Invalid subscriptionId');
        wsGate.forSocket(socketId).release();
        return;
      case 'reject-upgrade':
        sim.faults.rejectUpgrades(1, event.reason === 'token-rejected' ? next<number>('upgradeRejection') : next<number>('upgradeFailure'));
        wsGate.forSocket(socketId).release();
        return;
      case 'cut-connection':
        wsGate.forSocket(socketId).destroy();
        return;
      case 'displaced-frame':
        sim.faults.refuseConnections(1, 'Connected in another place');
        wsGate.forSocket(socketId).release();
        return;
      case 'drop':
        sim.faults.drop();
        return;
      case 'close-code':
        sim.faults.close(next<number>('closeCode'), 'model test');
        return;
      case 'oversized-frame':
        sim.faults.resume();
        expectSent(sim.sendRaw(JSON.stringify({ module: 'message', success: true, content: 'x'.repeat(2_000), header: {} })), 'oversized frame');
        return;
      case 'displace':
        // A stalled socket would be cut silently instead of being told: let it hear the notice.
        sim.faults.resume();
        sim.faults.displace();
        return;
      case 'handover': {
        // Zoom accepts the new socket and displaces the old one; the old socket hears it first.
        sim.faults.resume();
        const fresh = wsGate.forSocket(context.pendingSocketId);
        fresh.freeze();
        fresh.release();
        await eventually(() => (this.#machine.context.activeSocketId === context.pendingSocketId ? undefined : 'not handed over yet'), 'handover');
        fresh.thaw();
        await eventually(() => (sim.liveConnectionCount() === 1 ? undefined : `${sim.liveConnectionCount()} live connections`), 'new socket live');
        return;
      }
      case 'rejection-frame':
        expectSent(sim.sendRaw(JSON.stringify({ module: 'heartbeat', success: false, content: next<string>('rejectionWording'), header: {} })), 'rejection frame');
        return;
      case 'refusal-frame':
        expectSent(sim.sendRaw(JSON.stringify({ module: 'build_connection', success: false, content: 'Service unavailable', header: {} })), 'refusal frame');
        return;
      case 'event-frame':
        sim.faults.resume();
        this.#emit();
        return;
      case 'thaw-close':
        wsGate.forSocket(context.activeSocketId).thaw();
        return;
      case 'time':
        // An answered heartbeat would be a second event (ALIVE); the model's HEARTBEAT.DUE leaves it unanswered.
        if (event.fires === 'HEARTBEAT.DUE') sim.faults.stall();
        await vi.advanceTimersByTimeAsync(event.ms as number);
        return;
    }
  }

  #emit(): number {
    const sent = this.sim.emit(sampleEvent(this.#emitted++));
    return sent;
  }

  /** Waits until the real client and the world match `world`, then checks what must hold in that state. */
  async verify(world: World, label: string): Promise<void> {
    await eventually(() => this.#mismatch(world), `${label}: the real world to match the model`);
    const m = world.machine;
    if (m.matches({ connection: { open: { liveness: 'quiet' } } })) {
      // Events flow: one emitted event reaches the client exactly once.
      const before = this.events.length;
      const sent = this.#emit();
      if (sent !== 1) throw new Error(`${label}: an event reached ${sent} sockets, expected exactly 1`);
      await eventually(() => (this.events.length === before + 1 ? undefined : `${this.events.length - before} events delivered`), `${label}: event delivery`);
    }
    if (world.status === 'done') await this.#verifyFinal(label);
  }

  /** In closed/failed: stop() resolves, nothing wakes up later, no timer or socket of ours is left. */
  async #verifyFinal(label: string): Promise<void> {
    await withRealDeadline(this.#stopped ?? this.client.stop(), `${label}: stop()`);
    const tokenRequests = this.tokenGate.seen;
    const sockets = this.wsGate.connections.length;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    if (this.tokenGate.seen !== tokenRequests || this.wsGate.connections.length !== sockets) {
      throw new Error(`${label}: the client acted after reaching ${String(this.#machine.value)}`);
    }
    const timers = vi.getTimerCount();
    if (timers !== 0) throw new Error(`${label}: ${timers} timers still pending after ${String(this.#machine.value)}`);
    await eventually(() => {
      const leaked = addedHandles(this.baseline);
      return leaked.length === 0 ? undefined : `leaked handles: ${leaked.join(', ')}`;
    }, `${label}: handles back to the baseline`);
  }

  #mismatch(world: World): string | undefined {
    const real = this.#machine;
    const m = world.machine;
    if (!isDeepStrictEqual(real.value, m.value)) return `state ${JSON.stringify(real.value)}, model ${JSON.stringify(m.value)}`;
    if (real.status !== m.status) return `status ${real.status}, model ${m.status}`;
    const taken = this.#taken.slice(this.#stepStart);
    if (!isDeepStrictEqual([...taken].sort(), [...world.taken].sort())) return `transitions ${taken.join(' ')}; model ${world.taken.join(' ')}`;
    if (Date.now() !== world.now) return `clock ${Date.now() - MODEL_EPOCH}, model ${world.now - MODEL_EPOCH}`;
    const a = real.context;
    const b = m.context;
    const fields: [string, unknown, unknown][] = [
      ['attempt', a.attempt, b.attempt],
      ['refreshAttempt', a.refreshAttempt, b.refreshAttempt],
      ['activeSocketId', a.activeSocketId, b.activeSocketId],
      ['pendingSocketId', a.pendingSocketId, b.pendingSocketId],
      ['token.expiresAt', a.token?.expiresAt, b.token?.expiresAt],
      ['pendingToken.expiresAt', a.pendingToken?.expiresAt, b.pendingToken?.expiresAt],
      ['retryDelay', a.retryDelay, b.retryDelay],
      ['refreshRetryDelay', a.refreshRetryDelay, b.refreshRetryDelay],
    ];
    for (const [name, actual, expected] of fields) if (actual !== expected) return `${name} ${String(actual)}, model ${String(expected)}`;
    return this.#worldMismatch(world);
  }

  /** What the simulator and the gates must show in the model's state. */
  #worldMismatch(world: World): string | undefined {
    const m = world.machine;
    const open = this.sim.connections().filter((connection) => !connection.closed);
    const held = this.wsGate.held().length;
    const tokens = this.tokenGate.pending;
    const expect = (what: string, actual: number, expected: number) => (actual === expected ? undefined : `${what}: ${actual}, expected ${expected}`);
    const first = (...problems: (string | undefined)[]) => problems.find((problem) => problem !== undefined);
    if (m.matches('idle')) return first(expect('token requests', this.tokenGate.seen, 0), expect('sockets', this.wsGate.connections.length, 0));
    if (m.matches('authenticating')) return first(expect('held token requests', tokens, 1), expect('open simulator sockets', open.length, 0), expect('held upgrades', held, 0));
    if (m.matches({ connection: 'connecting' })) return first(expect('held upgrades', held, 1), expect('open simulator sockets', open.length, 0), expect('held token requests', tokens, 0));
    if (m.matches({ connection: 'open' })) {
      const awaiting = m.matches({ connection: { open: { liveness: 'awaitingFrame' } } });
      return first(
        expect('open simulator sockets', open.length, 1),
        // One connection per subscription: exactly ours is live (a stalled one is not).
        expect('live simulator sockets', this.sim.liveConnectionCount(), awaiting ? 0 : 1),
        awaiting && !open[0]?.stalled ? 'the socket should be stalled (heartbeat unanswered)' : undefined,
        expect('held token requests', tokens, m.matches({ connection: { open: { refresh: 'fetching' } } }) ? 1 : 0),
        expect('held upgrades', held, m.matches({ connection: { open: { refresh: 'rotating' } } }) ? 1 : 0),
      );
    }
    if (m.matches({ connection: 'closing' })) {
      return first(
        expect('live simulator sockets', this.sim.liveConnectionCount(), 0),
        expect('held token requests', tokens, 0),
        expect('held upgrades', held, m.context.pendingSocketId ? 1 : 0),
      );
    }
    // backoff, closed, failed: no socket of ours is open anywhere, nothing is in flight.
    return first(
      expect('open simulator sockets', open.length, 0),
      expect('held upgrades', held, 0),
      expect('held token requests', tokens, 0),
      expect('client sockets still open at the gate', this.wsGate.connections.filter((connection) => !connection.closed).length, 0),
    );
  }

  describe(event: ModelEvent): string {
    return describeEvent(event);
  }
}

/** An inspection event as text: its event, its snapshot (JSON, as tools would store it) and a shallow inspect. */
function describeInspection(inspection: { type: string; actorRef: { id: string }; event?: unknown; snapshot?: unknown }): string {
  // (Never call actorRef.getSnapshot() here: it throws while the actor initialises, and an observer that
  // throws crashes the actor it inspects.)
  const parts = [inspection.type, inspection.actorRef.id];
  for (const part of [inspection.event, inspection.snapshot]) {
    try {
      parts.push(JSON.stringify(part));
    } catch (error) {
      parts.push(`(unserialisable: ${String(error)})`);
    }
    parts.push(inspect(part, { depth: 3, breakLength: Infinity, maxStringLength: 100_000 }));
  }
  return parts.join(' ');
}

function expectSent(count: number, what: string): void {
  if (count !== 1) throw new Error(`${what} reached ${count} sockets, expected 1`);
}

/** Awaits `promise`, failing after 3 s of real time (fake timers do not apply). */
async function withRealDeadline(promise: Promise<unknown>, what: string): Promise<void> {
  let settled = false;
  const done = promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await eventually(() => (settled ? undefined : 'pending'), what);
  await done;
}
