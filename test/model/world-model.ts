/**
 * The abstract model the model-based tests traverse: the real connection statechart plus the one thing the
 * statechart does not contain — the clock.
 *
 * A {@link World} is a machine snapshot, a virtual `now` and the timers that are pending at that moment:
 * the machine's own delayed transitions (`after`, read from the `xstate.raise`/`xstate.cancel` actions the
 * machine returns) and the heartbeat actor's interval (running while `connection.open` is active; its first
 * tick is immediate, see {@link reactions}). The
 * model event `TICK` is "time passes until the next timer fires"; every other model event is a machine
 * event (`START`, `STOP`, `SOCKET.*`, `xstate.done.actor.*`, `xstate.error.actor.*`) with a `via` naming the
 * real-world action the test performs to cause it.
 *
 * The real client runs under fake timers with the same timings, the same start time and the same
 * `Math.random`, and the network only moves when the test lets it (see `test/support/gates.ts`), so the
 * client and this model go through the same states at the same virtual times.
 *
 * Serialisation is exact (everything that influences a later transition is in it: state value, attempt
 * counters, token lifetimes relative to now, pending timers relative to now), so merged states really are
 * the same state and every generated path is one the real client can follow step by step.
 */
import { createActor, type ActorLogic, type AnyActorScope, type EventObject, type Snapshot, type SnapshotFrom } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import type { ConnectionEvent, ConnectionTimings } from '../../machines/connection.types.js';
import { Secret, type AccessToken } from '../../src/protocol/secret.js';

export type MachineSnapshot = SnapshotFrom<typeof connectionMachine>;

/**
 * Timings of the model and of the client under test, in (fake) milliseconds. Chosen so that timers rarely
 * fall due at the same instant (where the order would be up to the timer implementation, the model offers
 * no `TICK`), and so that every timed transition can come first somewhere:
 * heartbeat 1000 < heartbeat timeout 1730 (a second heartbeat can go out unanswered), stable period 1450,
 * refresh due 3500 after the token was issued (half of a 7 s token), connect timeout 670, close timeout 410,
 * backoff 165 → 330 → 660 (random fixed at 0.5), displaced delay 930, two attempts before `failed`.
 */
export const MODEL_TIMINGS: ConnectionTimings = {
  heartbeatInterval: 1_000,
  heartbeatTimeout: 1_730,
  backoffInitial: 220,
  backoffMax: 880,
  refreshMargin: 4_000,
  connectTimeout: 670,
  stablePeriod: 1_450,
  displacedDelay: 930,
  closeTimeout: 410,
  maxAttempts: 2,
};
/** Lifetime of the simulator's tokens in the model tests. */
export const TOKEN_TTL_MS = 7_000;
/** Virtual start time of every path (the fake clock is set to it). */
export const MODEL_EPOCH = Date.UTC(2030, 0, 1, 9, 0, 0);
/** `Math.random()` during traversal and during the real runs (jitter is covered elsewhere). */
export const MODEL_RANDOM = 0.5;

/** Below this remaining lifetime a token is neither reusable nor delays a refresh: its exact age no longer matters. */
const TOKEN_LIFE_CUTOFF = Math.min(MODEL_TIMINGS.refreshMargin, TOKEN_TTL_MS / 2);
const HEARTBEAT_TIMER = 'heartbeat';

export interface Timer {
  readonly id: string;
  readonly due: number;
  /** Creation order: timers due at the same instant fire in this order. */
  readonly seq: number;
  readonly event: EventObject;
}

export type World = Snapshot<undefined> & WorldParts;
interface WorldParts {
  readonly machine: MachineSnapshot;
  readonly now: number;
  readonly timers: readonly Timer[];
  readonly seq: number;
  /** Keys (see {@link transitionKey}) of the machine transitions taken by the step that produced this world. */
  readonly taken: readonly string[];
  /** Model events since the start (not part of the identity: breadth-first traversal meets each state first at its smallest depth). */
  readonly depth: number;
}

/** The real-world action behind a model event; the test maps each to simulator/gate operations. */
export type Via =
  | 'start'
  | 'stop'
  | 'token-ok'
  | 'token-fatal'
  | 'token-transient'
  | 'release'
  | 'revoke-tokens'
  | 'refuse-connection'
  | 'reject-upgrade'
  | 'cut-connection'
  | 'displaced-frame'
  | 'drop'
  | 'close-code'
  | 'oversized-frame'
  | 'displace'
  | 'handover'
  | 'rejection-frame'
  | 'refusal-frame'
  | 'event-frame'
  | 'thaw-close'
  | 'time';

export type ModelEvent = EventObject & { via: Via; [key: string]: unknown };

// ---------------------------------------------------------------------------------------------------------
// Stepping the real machine purely, with the model's clock.

const scopeOwner = createActor(connectionMachine, { input: { timings: MODEL_TIMINGS } });

interface MachineStep {
  next: MachineSnapshot;
  actions: { type: string; params?: unknown }[];
  transitions: TransitionLike[];
}

interface TransitionLike {
  source: { id: string; transitions: Map<string, unknown[]>; always?: unknown[] };
  eventType: string;
}

function withClock<T>(now: number, run: () => T): T {
  const realNow = Date.now;
  const realRandom = Math.random;
  Date.now = () => now;
  Math.random = () => MODEL_RANDOM;
  try {
    return run();
  } finally {
    Date.now = realNow;
    Math.random = realRandom;
  }
}

function machineStep(snapshot: MachineSnapshot, event: EventObject, now: number): MachineStep {
  const actions: MachineStep['actions'] = [];
  const transitions: TransitionLike[] = [];
  const system = Object.create(scopeOwner.system, {
    _sendInspectionEvent: {
      value: (inspection: { type: string; _transitions?: TransitionLike[] }) => {
        if (inspection.type === '@xstate.microstep') transitions.push(...(inspection._transitions ?? []));
      },
    },
  });
  const scope = actorScope(system, (action) => actions.push(action));
  const next = withClock(now, () => connectionMachine.transition(snapshot, event as never, scope));
  return { next, actions, transitions };
}

/** An actor scope that runs nothing: actions are only recorded (or dropped), so the machine stays pure. */
function actorScope(system: unknown, recordAction: (action: { type: string; params?: unknown }) => void): AnyActorScope {
  return {
    self: scopeOwner,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system,
    emit: () => {},
    actionExecutor: recordAction,
  } as unknown as AnyActorScope;
}

function initialMachine(): MachineSnapshot {
  const scope = actorScope(scopeOwner.system, () => {});
  return withClock(MODEL_EPOCH, () => connectionMachine.getInitialSnapshot(scope, { timings: MODEL_TIMINGS }));
}

// ---------------------------------------------------------------------------------------------------------
// Transitions of the machine definition, and their identity.

/** A stable identity for a transition: source state id, event type (`always` for eventless) and index. */
export function transitionKey(transition: TransitionLike): string {
  const { source, eventType } = transition;
  const list = eventType === '' ? source.always ?? [] : source.transitions.get(eventType) ?? [];
  return `${source.id}#${eventType === '' ? 'always' : eventType}#${list.indexOf(transition)}`;
}

export interface CatalogueEntry {
  key: string;
  /** Human-readable: `source —event [guard]→ target`. */
  label: string;
}

/** Every transition in the machine definition: each `on`/`after`/`onDone`/`onError` branch and each `always`. */
export function transitionCatalogue(machine = connectionMachine): CatalogueEntry[] {
  type Node = { id: string; states: Record<string, Node>; transitions: Map<string, Definition[]>; always?: Definition[] };
  type Definition = TransitionLike & { guard?: unknown; target?: { id: string }[] };
  const entries: CatalogueEntry[] = [];
  const visit = (node: Node) => {
    for (const [, definitions] of node.transitions) for (const definition of definitions) entries.push(describe(definition));
    for (const definition of node.always ?? []) entries.push(describe(definition));
    for (const child of Object.values(node.states)) visit(child);
  };
  const describe = (definition: Definition): CatalogueEntry => {
    const event = definition.eventType === '' ? 'always' : shortEvent(definition.eventType);
    const guard = definition.guard === undefined ? '' : ` [${guardLabel(definition.guard)}]`;
    const target = definition.target?.map((node) => shortId(node.id)).join(',') ?? '(stays)';
    return { key: transitionKey(definition), label: `${shortId(definition.source.id)} —${event}${guard}→ ${target}` };
  };
  visit(machine.root as unknown as Node);
  return entries;
}

function shortId(id: string): string {
  return id.replace(/^zoomWs\./, '').replace(/^connection\.open\./, 'open.').replace(/^connection\./, '');
}

function shortEvent(type: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${after[1]}`;
  return type.replace(/^xstate\.(done|error)\.actor\./, '$1:');
}

function guardLabel(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') {
    const inner = (guard as { guards?: unknown[] }).guards;
    return inner ? `${guard.name}(${inner.map(guardLabel).join(', ')})` : guard.name || 'guard';
  }
  return 'guard';
}

// ---------------------------------------------------------------------------------------------------------
// The world: machine + clock.

export function initialWorld(): World {
  return { status: 'active', output: undefined, error: undefined, machine: initialMachine(), now: MODEL_EPOCH, timers: [], seq: 0, taken: [], depth: 0 };
}

function earliest(world: World): Timer[] {
  if (world.timers.length === 0) return [];
  const due = Math.min(...world.timers.map((timer) => timer.due));
  return world.timers.filter((timer) => timer.due === due);
}

function applyActions(timers: Timer[], actions: MachineStep['actions'], now: number, nextSeq: () => number): Timer[] {
  let result = timers;
  const remove = (id: string) => {
    result = result.filter((timer) => timer.id !== id);
  };
  for (const action of actions) {
    const params = action.params as Record<string, unknown> | undefined;
    if (action.type === 'xstate.raise' && typeof params?.delay === 'number') {
      remove(params.id as string);
      result = [...result, { id: params.id as string, due: now + params.delay, seq: nextSeq(), event: params.event as EventObject }];
    } else if (action.type === 'xstate.cancel') {
      remove(params?.sendId as string);
    } else if (action.type === 'xstate.spawnChild' && params?.id === HEARTBEAT_TIMER) {
      result = [...result, { id: HEARTBEAT_TIMER, due: now + MODEL_TIMINGS.heartbeatInterval, seq: nextSeq(), event: { type: 'HEARTBEAT.DUE' } }];
    } else if (action.type === 'xstate.stopChild' && (params as { id?: unknown } | undefined)?.id === HEARTBEAT_TIMER) {
      remove(HEARTBEAT_TIMER);
    }
  }
  return result;
}

/**
 * What the rest of the world does by itself, at once, after the machine took `event` — reactions of the
 * real actors and of the simulator that no test action can hold back, in the order they happen:
 * - `STOP` while connecting: closing a socket whose handshake is still in flight aborts it, and the socket
 *   reports `DOWN` immediately.
 * - a pending socket promoted (on its `READY`, or on the handover displacement of the old one): the machine
 *   asks it for a heartbeat; the fresh connection answers, which is a frame after a heartbeat (`ALIVE`).
 * - the heartbeat actor started (`open` entered, right after `build_connection` succeeded): it ticks at once
 *   (`HEARTBEAT.DUE`, the first heartbeat goes out) and the fresh connection answers it (`ALIVE`).
 */
function reactions(before: MachineSnapshot, event: EventObject, step: MachineStep): ConnectionEvent[] {
  const after = step.next;
  if (event.type === 'STOP' && before.matches({ connection: 'connecting' }) && after.matches({ connection: 'closing' })) {
    return [{ type: 'SOCKET.DOWN', socketId: after.context.activeSocketId!, reason: 'error', detail: 'WebSocket was closed before the connection was established' }];
  }
  const pending = before.context.pendingSocketId;
  const promoted = pending !== undefined && after.context.activeSocketId === pending;
  if (promoted && after.matches({ connection: { open: { liveness: 'awaitingFrame' } } })) {
    return [{ type: 'SOCKET.ALIVE', socketId: pending }];
  }
  if (step.actions.some((action) => action.type === 'xstate.spawnChild' && (action.params as { id?: unknown } | undefined)?.id === HEARTBEAT_TIMER)) {
    return [{ type: 'HEARTBEAT.DUE' }, { type: 'SOCKET.ALIVE', socketId: after.context.activeSocketId! }];
  }
  return [];
}

export function worldTransition(world: World, event: EventObject): World {
  if (world.status !== 'active') return world;
  let now = world.now;
  let timers = [...world.timers];
  let seq = world.seq;
  const nextSeq = () => ++seq;
  let machineEvent: EventObject = event;
  if (event.type === 'TICK') {
    const [timer, ...others] = earliest(world);
    if (!timer || others.length > 0) throw new Error('TICK without a single next timer');
    now = timer.due;
    timers = timers.filter((candidate) => candidate !== timer);
    if (timer.id === HEARTBEAT_TIMER) timers.push({ ...timer, due: timer.due + MODEL_TIMINGS.heartbeatInterval });
    machineEvent = timer.event;
  }
  const taken: string[] = [];
  let step = machineStep(world.machine, machineEvent, now);
  timers = applyActions(timers, step.actions, now, nextSeq);
  taken.push(...step.transitions.map(transitionKey));
  for (const reactionEvent of reactions(world.machine, machineEvent, step)) {
    step = machineStep(step.next, reactionEvent, now);
    timers = applyActions(timers, step.actions, now, nextSeq);
    taken.push(...step.transitions.map(transitionKey));
  }
  const machine = step.next;
  if (machine.status !== 'active') timers = [];
  return { status: machine.status === 'active' ? 'active' : 'done', output: undefined, error: undefined, machine, now, timers, seq, taken, depth: world.depth + 1 };
}

/** The model as actor logic, for the graph utilities. */
export const worldLogic = {
  config: {},
  transition: (world: World, event: EventObject) => worldTransition(world, event),
  getInitialSnapshot: () => initialWorld(),
  getPersistedSnapshot: (world: World) => world,
} as unknown as ActorLogic<World, ModelEvent, undefined>;

function tokenLife(token: AccessToken | undefined, now: number): number | string {
  if (!token) return 'none';
  const left = token.expiresAt - now;
  return left > TOKEN_LIFE_CUTOFF ? left : 'spent';
}

/** Exact state identity: value, counters, token lifetimes and pending timers relative to now. */
export function serializeWorld(world: World): string {
  const { context } = world.machine;
  return JSON.stringify([
    world.machine.value,
    world.status,
    tokenLife(context.token, world.now),
    tokenLife(context.pendingToken, world.now),
    context.attempt,
    Math.min(context.refreshAttempt, 3),
    context.activeSocketId !== undefined,
    context.pendingSocketId !== undefined,
    world.timers.map((timer) => `${shortEvent(timer.id)}@${timer.due - world.now}`).sort(),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Model events offered in each state.

function modelToken(now: number): AccessToken {
  return { value: new Secret('model-token'), issuedAt: now, expiresAt: now + TOKEN_TTL_MS };
}

/** The next `TICK`, if exactly one timer is next (a tie's order is left to the timer implementation). */
function tick(world: World): ModelEvent | undefined {
  const [timer, ...others] = earliest(world);
  if (!timer || others.length > 0) return undefined;
  return { type: 'TICK', via: 'time', ms: timer.due - world.now, fires: shortEvent(timer.id === HEARTBEAT_TIMER ? 'HEARTBEAT.DUE' : timer.id) };
}

/** A socket event; `role` (the active or the pending socket) lets a path be replayed whatever the socket ids. */
function socketEvent(type: string, socketId: string | undefined, via: Via, extra: Record<string, string> = {}): ModelEvent | undefined {
  return socketId === undefined ? undefined : { type, socketId, via, ...extra };
}

/**
 * What can happen next in `world`, each with the action that makes it happen. Only events the real world
 * can produce in that state are offered (e.g. no `REFUSED` while a heartbeat is unanswered: any frame would
 * first count as the answer).
 */
export function worldEvents(world: World): ModelEvent[] {
  if (world.status !== 'active') return [];
  const m = world.machine;
  const { activeSocketId: active, pendingSocketId: pending } = m.context;
  const events: (ModelEvent | undefined)[] = [];
  const withRole = (event: ModelEvent) => (event.socketId === undefined ? event : { ...event, role: event.socketId === active ? 'active' : 'pending' });
  const stop: ModelEvent = { type: 'STOP', via: 'stop' };
  if (m.matches('idle')) {
    events.push({ type: 'START', via: 'start' }, stop);
  } else if (m.matches('authenticating')) {
    events.push(
      { type: 'xstate.done.actor.fetchToken', output: modelToken(world.now), via: 'token-ok' },
      { type: 'xstate.error.actor.fetchToken', error: { fatal: true, message: 'Zoom rejected the token request' }, via: 'token-fatal' },
      { type: 'xstate.error.actor.fetchToken', error: { fatal: false, message: 'Token endpoint failed' }, via: 'token-transient' },
      stop,
    );
  } else if (m.matches({ connection: 'connecting' })) {
    events.push(
      socketEvent('SOCKET.READY', active, 'release'),
      socketEvent('SOCKET.REFUSED', active, 'revoke-tokens', { cause: 'token-rejected', detail: 'build_connection: Invalid Token' }),
      socketEvent('SOCKET.REFUSED', active, 'refuse-connection', { cause: 'refused', detail: 'build_connection: Invalid subscriptionId' }),
      socketEvent('SOCKET.DOWN', active, 'reject-upgrade', { reason: 'handshake-failed', detail: 'handshake refused with HTTP 503' }),
      socketEvent('SOCKET.DOWN', active, 'reject-upgrade', { reason: 'token-rejected', detail: 'handshake refused with HTTP 401' }),
      socketEvent('SOCKET.DOWN', active, 'cut-connection', { reason: 'error', detail: 'socket hang up' }),
      socketEvent('SOCKET.DOWN', active, 'displaced-frame', { reason: 'displaced', detail: 'Connected in another place' }),
      stop,
      tick(world),
    );
  } else if (m.matches({ connection: 'open' })) {
    const awaiting = m.matches({ connection: { open: { liveness: 'awaitingFrame' } } });
    events.push(
      socketEvent('SOCKET.DOWN', active, 'drop', { reason: 'closed', detail: 'closed with code 1006' }),
      socketEvent('SOCKET.DOWN', active, 'close-code', { reason: 'closed', detail: 'closed with a code' }),
      socketEvent('SOCKET.DOWN', active, 'oversized-frame', { reason: 'error', detail: 'Max payload size exceeded' }),
      socketEvent('SOCKET.DOWN', active, pending ? 'handover' : 'displace', { reason: 'displaced', detail: 'closed with code 1000 (Connected in another place)' }),
    );
    if (awaiting) {
      events.push(socketEvent('SOCKET.ALIVE', active, 'event-frame'));
    } else {
      events.push(
        socketEvent('SOCKET.REFUSED', active, 'rejection-frame', { cause: 'token-rejected', detail: 'heartbeat: Invalid Token' }),
        socketEvent('SOCKET.REFUSED', active, 'refusal-frame', { cause: 'refused', detail: 'build_connection: Service unavailable' }),
      );
    }
    if (m.matches({ connection: { open: { refresh: 'fetching' } } })) {
      events.push(
        { type: 'xstate.done.actor.refreshToken', output: modelToken(world.now), via: 'token-ok' },
        { type: 'xstate.error.actor.refreshToken', error: { fatal: false, message: 'Token endpoint failed' }, via: 'token-transient' },
        { type: 'xstate.error.actor.refreshToken', error: { fatal: true, message: 'Zoom rejected the token request' }, via: 'token-fatal' },
      );
    }
    if (m.matches({ connection: { open: { refresh: 'rotating' } } })) {
      events.push(
        socketEvent('SOCKET.READY', pending, 'release'),
        socketEvent('SOCKET.REFUSED', pending, 'refuse-connection', { cause: 'refused', detail: 'build_connection: Invalid subscriptionId' }),
        socketEvent('SOCKET.REFUSED', pending, 'refuse-connection', { cause: 'token-rejected', detail: 'build_connection: Token is invalid' }),
        socketEvent('SOCKET.DOWN', pending, 'reject-upgrade', { reason: 'handshake-failed', detail: 'handshake refused with HTTP 503' }),
        socketEvent('SOCKET.DOWN', pending, 'cut-connection', { reason: 'error', detail: 'socket hang up' }),
      );
    }
    events.push(stop, tick(world));
  } else if (m.matches({ connection: 'closing' })) {
    events.push(socketEvent('SOCKET.DOWN', active, 'thaw-close', { reason: 'closed', detail: 'closed with code 1000' }), tick(world));
  } else if (m.matches('backoff')) {
    events.push(stop, tick(world));
  }
  return events.filter((event): event is ModelEvent => event !== undefined).map(withRole);
}

/** What a model event does, independent of the concrete socket ids, token values and times of one run. */
export function eventKind(event: EventObject): string {
  const { type, via, role, reason, cause, fires, error } = event as ModelEvent & { error?: { fatal?: boolean } };
  return JSON.stringify([type, via, role, reason, cause, fires, error?.fatal]);
}

/** A model path as a sequence of worlds, recomputed from the kinds of its events; `undefined` if it does not apply. */
export function replay(kinds: readonly string[]): { worlds: World[]; events: ModelEvent[] } | undefined {
  const worlds = [initialWorld()];
  const events: ModelEvent[] = [];
  for (const kind of kinds) {
    const world = worlds.at(-1)!;
    const event = worldEvents(world).find((candidate) => eventKind(candidate) === kind);
    if (!event) return undefined;
    events.push(event);
    worlds.push(worldTransition(world, event));
  }
  return { worlds, events };
}

/** Short text for a model event in path descriptions. */
export function describeEvent(event: EventObject): string {
  const e = event as ModelEvent;
  if (e.type === 'xstate.init') return 'init';
  if (e.type === 'TICK') return `+${String(e.ms)}ms(${String(e.fires)})`;
  const detail = [e.socketId, e.reason ?? e.cause].filter(Boolean).join(' ');
  return `${shortEvent(e.type)}${detail ? `(${detail})` : ''}[${e.via}]`;
}
