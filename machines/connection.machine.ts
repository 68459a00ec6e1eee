import { and, assign, emit, enqueueActions, fromCallback, fromPromise, not, sendTo, setup } from 'xstate';
import type { AccessToken } from '../src/protocol/secret.js';
import { backoffDelay } from './backoff.js';
import type {
  ConnectionContext,
  ConnectionEmitted,
  ConnectionEvent,
  ConnectionInput,
  Failure,
  FailureReason,
  HeartbeatInput,
  SocketCommand,
  SocketInput,
} from './connection.types.js';

/**
 * The connection lifecycle of one Zoom event subscription.
 *
 *   idle → authenticating → connection.connecting → connection.open ⇄ (refresh: make-before-break rotation)
 *                 ↑   ↘ failed           ↓ failure              ↓ STOP
 *                 └──── backoff ←────────┘            connection.closing → closed
 *
 * The machine names three actors and implements none: `fetchToken` (promise), `socket` (callback, one per
 * WebSocket, spawned so that a refresh can hold two at once) and `heartbeat` (callback, ticks while open).
 * The client supplies them, once for all its instances (`src/client/client-machine.ts`). Events (`message`
 * frames) do not pass through the machine: the socket actor hands them straight to the client, which keeps
 * the per-event path free of statechart transitions. The machine only sees what changes the lifecycle.
 */
export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
    input: {} as ConnectionInput,
    emitted: {} as ConnectionEmitted,
  },
  actors: {
    fetchToken: fromPromise<AccessToken>(async () => {
      throw new Error('The "fetchToken" actor is not provided: use connectionMachine.provide({ actors })');
    }),
    socket: fromCallback<SocketCommand, SocketInput>(() => {
      throw new Error('The "socket" actor is not provided: use connectionMachine.provide({ actors })');
    }),
    heartbeat: fromCallback<ConnectionEvent, HeartbeatInput>(() => {
      throw new Error('The "heartbeat" actor is not provided: use connectionMachine.provide({ actors })');
    }),
  },
  // Every delay goes through timerDelay: setTimeout fires at once for anything beyond 2^31-1 ms.
  delays: {
    connectTimeout: ({ context }) => timerDelay(context.timings.connectTimeout),
    heartbeatTimeout: ({ context }) => timerDelay(context.timings.heartbeatTimeout),
    stablePeriod: ({ context }) => timerDelay(context.timings.stablePeriod),
    closeTimeout: ({ context }) => timerDelay(context.timings.closeTimeout),
    retryDelay: ({ context }) => timerDelay(context.retryDelay),
    refreshRetryDelay: ({ context }) => timerDelay(context.refreshRetryDelay),
    refreshDue: ({ context }) => timerDelay(refreshDueIn(context.token, context.timings.refreshMargin, Date.now())),
  },
  guards: {
    fromActiveSocket: ({ context, event }) => 'socketId' in event && event.socketId === context.activeSocketId,
    fromPendingSocket: ({ context, event }) => 'socketId' in event && event.socketId === context.pendingSocketId,
    isFatalAuthError: (_, error: unknown) => isFatal(error),
    hasUsableToken: ({ context }) => hasUsableToken(context.token, context.timings.refreshMargin, Date.now()),
    attemptsExhausted: ({ context }) => context.timings.maxAttempts !== null && context.attempt >= context.timings.maxAttempts,
    // Zoom displaces the old socket as soon as our new one is accepted, so during a rotation that
    // displacement is the handover itself, not another consumer taking the subscription.
    isHandoverDisplacement: ({ context, event }) =>
      event.type === 'SOCKET.DOWN' && event.reason === 'displaced' && context.pendingSocketId !== undefined,
  },
  actions: {
    storeToken: assign((_, token: AccessToken) => ({ token })),
    spawnSocket: enqueueActions(({ context, enqueue }) => {
      const socketId = `socket-${context.socketCount + 1}`;
      enqueue.spawnChild('socket', { id: socketId, input: { socketId, token: context.token! } });
      enqueue.assign({ socketCount: context.socketCount + 1, activeSocketId: socketId });
    }),
    spawnPendingSocket: enqueueActions(({ context, enqueue }) => {
      const socketId = `socket-${context.socketCount + 1}`;
      enqueue.spawnChild('socket', { id: socketId, input: { socketId, token: context.pendingToken! } });
      enqueue.assign({ socketCount: context.socketCount + 1, pendingSocketId: socketId });
    }),
    storePendingToken: assign((_, pendingToken: AccessToken) => ({ pendingToken })),
    promotePendingSocket: enqueueActions(({ context, enqueue }) => {
      // Stopping the old socket closes it with 1000 (Zoom may already have closed it as displaced).
      if (context.activeSocketId) enqueue.stopChild(context.activeSocketId);
      const socketId = context.pendingSocketId!;
      enqueue.assign({
        activeSocketId: socketId,
        token: context.pendingToken,
        pendingSocketId: undefined,
        pendingToken: undefined,
        refreshAttempt: 0,
      });
      // The liveness region may be waiting for a frame from the old socket: ask the new one to prove itself.
      enqueue.sendTo(socketId, { type: 'HEARTBEAT' });
      enqueue.emit({ type: 'rotated', socketId, replacedSocketId: context.activeSocketId });
    }),
    abandonRotation: enqueueActions(({ context, enqueue }) => {
      if (context.pendingSocketId) enqueue.stopChild(context.pendingSocketId);
      enqueue.assign({ pendingSocketId: undefined, pendingToken: undefined });
    }),
    scheduleRotationRetry: enqueueActions(({ context, enqueue, event }) => {
      const attempt = context.refreshAttempt + 1;
      const delay = backoffDelay(attempt, context.timings.backoffInitial, context.timings.backoffMax, Math.random());
      enqueue.assign({ refreshAttempt: attempt, refreshRetryDelay: delay });
      enqueue.emit({ type: 'rotation-failed', attempt, delay, detail: describeEvent(event) });
    }),
    releaseSockets: enqueueActions(({ context, enqueue }) => {
      if (context.activeSocketId) enqueue.stopChild(context.activeSocketId);
      if (context.pendingSocketId) enqueue.stopChild(context.pendingSocketId);
      enqueue.assign({ activeSocketId: undefined, pendingSocketId: undefined, pendingToken: undefined });
    }),
    sendHeartbeat: sendTo(({ context }) => context.activeSocketId!, { type: 'HEARTBEAT' } satisfies SocketCommand),
    requestClose: sendTo(({ context }) => context.activeSocketId!, { type: 'CLOSE' } satisfies SocketCommand),
    recordFailure: assign(({ context, event }, params: { reason?: FailureReason; error?: unknown } | undefined) => {
      const failure = failureFrom(event, params, Date.now());
      const startsOutage = context.hasBeenLive && context.outageSince === undefined;
      // Zoom may have stopped delivering before we noticed (a silent socket is only found dead after the
      // heartbeat timeout): the outage starts at the last sign of life, so that it covers every lost event.
      const lastSign = 'lastFrameAt' in event && typeof event.lastFrameAt === 'number' ? event.lastFrameAt : context.lastAliveAt;
      return {
        lastFailure: failure,
        // Being displaced is not our failure: it must not push us towards maxAttempts.
        attempt: failure.reason === 'displaced' ? context.attempt : context.attempt + 1,
        token: failure.reason === 'token-rejected' ? undefined : context.token,
        outageSince: startsOutage ? { ...failure, at: Math.min(failure.at, lastSign ?? failure.at) } : context.outageSince,
      };
    }),
    recordAlive: assign({ lastAliveAt: () => Date.now() }),
    scheduleRetry: enqueueActions(({ context, enqueue }) => {
      const failure = context.lastFailure!;
      const { backoffInitial, backoffMax, displacedDelay } = context.timings;
      const delay = failure.reason === 'displaced'
        ? displacedDelay
        : Math.max(backoffDelay(context.attempt, backoffInitial, backoffMax, Math.random()), failure.retryAfterMs ?? 0);
      enqueue.assign({ retryDelay: delay });
      enqueue.emit({ type: 'retry', attempt: context.attempt, delay, failure });
    }),
    markLive: enqueueActions(({ context, enqueue }) => {
      const since = context.outageSince;
      if (since) {
        enqueue.emit({ type: 'outage', outage: { from: since.at, to: Date.now(), reason: since.reason, detail: since.detail, endedBy: 'reconnected' } });
      }
      enqueue.assign({ hasBeenLive: true, outageSince: undefined, lastAliveAt: Date.now() });
    }),
    resetAttempts: assign({ attempt: 0 }),
    endOutage: enqueueActions(({ context, enqueue }, params: { endedBy: 'stopped' | 'failed' }) => {
      const since = context.outageSince;
      if (!since) return;
      enqueue.emit({ type: 'outage', outage: { from: since.at, to: Date.now(), reason: since.reason, detail: since.detail, endedBy: params.endedBy } });
    }),
    recordAuthFailure: assign((_, error: unknown) => ({ fatal: { kind: 'auth' as const, error } })),
    recordRetriesExhausted: assign({
      fatal: ({ context }) => ({ kind: 'retries-exhausted' as const, attempts: context.attempt, lastFailure: context.lastFailure }),
    }),
  },
}).createMachine({
  id: 'zoomWs',
  initial: 'idle',
  context: ({ input }) => ({
    timings: input.timings,
    token: undefined,
    attempt: 0,
    retryDelay: 0,
    lastFailure: undefined,
    socketCount: 0,
    activeSocketId: undefined,
    pendingSocketId: undefined,
    pendingToken: undefined,
    refreshAttempt: 0,
    refreshRetryDelay: 0,
    hasBeenLive: false,
    lastAliveAt: undefined,
    outageSince: undefined,
    fatal: undefined,
  }),
  states: {
    idle: {
      on: { START: 'authenticating', STOP: 'closed' },
    },
    authenticating: {
      invoke: {
        id: 'fetchToken',
        src: 'fetchToken',
        onDone: { target: 'connection', actions: { type: 'storeToken', params: ({ event }) => event.output } },
        onError: [
          {
            guard: { type: 'isFatalAuthError', params: ({ event }: { event: { error: unknown } }) => event.error },
            target: 'failed',
            actions: { type: 'recordAuthFailure', params: ({ event }: { event: { error: unknown } }) => event.error },
          },
          { target: 'backoff', actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) } },
        ],
      },
      on: { STOP: 'closed' },
    },
    connection: {
      entry: 'spawnSocket',
      exit: 'releaseSockets',
      initial: 'connecting',
      states: {
        connecting: {
          after: {
            connectTimeout: { target: '#zoomWs.backoff', actions: { type: 'recordFailure', params: { reason: 'connect-timeout' } } },
          },
          on: {
            'SOCKET.READY': { guard: 'fromActiveSocket', target: 'open' },
            'SOCKET.REFUSED': { guard: 'fromActiveSocket', target: '#zoomWs.backoff', actions: 'recordFailure' },
            'SOCKET.DOWN': { guard: 'fromActiveSocket', target: '#zoomWs.backoff', actions: 'recordFailure' },
            STOP: 'closing',
          },
        },
        open: {
          type: 'parallel',
          entry: 'markLive',
          invoke: { id: 'heartbeat', src: 'heartbeat', input: ({ context }) => ({ interval: context.timings.heartbeatInterval }) },
          after: { stablePeriod: { actions: 'resetAttempts' } },
          on: {
            'SOCKET.REFUSED': { guard: 'fromActiveSocket', target: '#zoomWs.backoff', actions: 'recordFailure' },
            'SOCKET.DOWN': {
              guard: and(['fromActiveSocket', not('isHandoverDisplacement')]),
              target: '#zoomWs.backoff',
              actions: 'recordFailure',
            },
            STOP: 'closing',
          },
          states: {
            liveness: {
              initial: 'quiet',
              states: {
                quiet: {
                  on: { 'HEARTBEAT.DUE': { target: 'awaitingFrame', actions: 'sendHeartbeat' } },
                },
                awaitingFrame: {
                  after: {
                    heartbeatTimeout: { target: '#zoomWs.backoff', actions: { type: 'recordFailure', params: { reason: 'dead' } } },
                  },
                  on: {
                    // Keep the clock running from the first unanswered heartbeat; just keep Zoom fed.
                    'HEARTBEAT.DUE': { actions: 'sendHeartbeat' },
                    'SOCKET.ALIVE': { guard: 'fromActiveSocket', target: 'quiet', actions: 'recordAlive' },
                  },
                },
              },
            },
            refresh: {
              initial: 'scheduled',
              states: {
                scheduled: {
                  after: { refreshDue: 'fetching' },
                },
                fetching: {
                  invoke: {
                    id: 'refreshToken',
                    src: 'fetchToken',
                    onDone: { target: 'rotating', actions: { type: 'storePendingToken', params: ({ event }) => event.output } },
                    onError: { target: 'retrying' },
                  },
                },
                rotating: {
                  entry: 'spawnPendingSocket',
                  after: { connectTimeout: { target: 'retrying', actions: 'abandonRotation' } },
                  on: {
                    'SOCKET.READY': { guard: 'fromPendingSocket', target: 'scheduled', actions: 'promotePendingSocket' },
                    'SOCKET.REFUSED': { guard: 'fromPendingSocket', target: 'retrying', actions: 'abandonRotation' },
                    'SOCKET.DOWN': [
                      { guard: 'fromPendingSocket', target: 'retrying', actions: 'abandonRotation' },
                      { guard: and(['fromActiveSocket', 'isHandoverDisplacement']), target: 'scheduled', actions: 'promotePendingSocket' },
                    ],
                  },
                },
                retrying: {
                  entry: 'scheduleRotationRetry',
                  after: { refreshRetryDelay: 'fetching' },
                },
              },
            },
          },
        },
        closing: {
          entry: 'requestClose',
          after: { closeTimeout: '#zoomWs.closed' },
          on: {
            'SOCKET.DOWN': { guard: 'fromActiveSocket', target: '#zoomWs.closed' },
          },
        },
      },
    },
    backoff: {
      entry: 'scheduleRetry',
      always: { guard: 'attemptsExhausted', target: 'failed', actions: 'recordRetriesExhausted' },
      after: {
        retryDelay: [{ guard: 'hasUsableToken', target: 'connection' }, { target: 'authenticating' }],
      },
      on: { STOP: 'closed' },
    },
    closed: { type: 'final', entry: { type: 'endOutage', params: { endedBy: 'stopped' } } },
    failed: { type: 'final', entry: { type: 'endOutage', params: { endedBy: 'failed' } } },
  },
});

export type ConnectionMachine = typeof connectionMachine;

/** Longest delay `setTimeout` can wait; a longer one fires after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Least time between two token refreshes, however short the token's life: a server answering tiny lifetimes
 * gets at most a refresh every this many ms, never a hot loop. Counted from when the current token was obtained
 * (see {@link refreshDueIn}). Short enough for test tokens that live 200 ms.
 */
export const MIN_REFRESH_SPACING_MS = 100;

/** A delay `setTimeout` honours: a finite number in `[0, 2^31-1]` (NaN waits 0). */
export function timerDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_DELAY_MS, Math.max(0, ms));
}

/**
 * ms until a refresh is due: `refreshMargin` before expiry, but never before half the token's life nor sooner
 * than {@link MIN_REFRESH_SPACING_MS} after the token was obtained (no hot loop on short-lived tokens).
 * The floor counts from `issuedAt`, not from now: a reconnect that reuses a token re-enters the schedule, and a
 * floor from now would push a refresh that is due past the token's expiry (Zoom then closes the old socket
 * before the new one is live, and the events in between reach neither).
 */
export function refreshDueIn(token: AccessToken | undefined, refreshMargin: number, now: number): number {
  if (!token) return 0;
  const halfLife = token.issuedAt + (token.expiresAt - token.issuedAt) / 2;
  return Math.max(0, Math.max(token.expiresAt - refreshMargin, halfLife, token.issuedAt + MIN_REFRESH_SPACING_MS) - now);
}

/** A cached token is reused for a reconnect while more than `refreshMargin` of its life is left. */
export function hasUsableToken(token: AccessToken | undefined, refreshMargin: number, now: number): boolean {
  return token !== undefined && token.expiresAt - now > refreshMargin;
}

function isFatal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { fatal?: unknown }).fatal === true;
}

function failureFrom(event: ConnectionEvent, params: { reason?: FailureReason; error?: unknown } | undefined, at: number): Failure {
  if (params?.reason === 'dead') return { reason: 'dead', detail: 'no frame after a heartbeat', at };
  if (params?.reason === 'connect-timeout') return { reason: 'connect-timeout', detail: 'no build_connection in time', at };
  if (event.type === 'SOCKET.REFUSED') return { reason: event.cause, detail: event.detail, at };
  if (event.type === 'SOCKET.DOWN') return { reason: event.reason, detail: event.detail, at };
  const error = params?.error as { message?: unknown; retryAfterMs?: unknown } | undefined;
  const detail = typeof error?.message === 'string' ? error.message : String(error);
  const failure: Failure = { reason: params?.reason ?? 'token-fetch-failed', detail, at };
  if (typeof error?.retryAfterMs === 'number') failure.retryAfterMs = error.retryAfterMs;
  return failure;
}

function describeEvent(event: { type: string }): string {
  const { detail, error } = event as { detail?: unknown; error?: { message?: unknown } };
  if (typeof detail === 'string') return detail;
  if (typeof error?.message === 'string') return error.message;
  return event.type;
}
