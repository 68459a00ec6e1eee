import { assign, emit, raise, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import { backoffDelay } from './backoff.js';
import { connectionMachine } from './connection.machine.js';
import type {
  AcquireOutcome,
  LeaseToken,
  ReplicaContext,
  ReplicaEmitted,
  ReplicaEvent,
  ReplicaInput,
  StepDownReason,
} from './replica.types.js';
import type { ConnectionTimings } from './connection.types.js';

/**
 * One replica of a cluster that shares one Zoom event subscription through a lease in Redis.
 *
 *   idle → standby (acquire every acquireInterval ± 25 %, at once on WAKE) → leading → releasing → stopped
 *                ↑                                                            │
 *                └──── step down: renew deadline, lease lost, fenced publish ─┘
 *
 * While leading it renews the lease every `renewInterval` and invokes the unchanged connection machine
 * (`connection`, provided by the cluster with a socket actor that checks the lease before each dial).
 * Leaving `leading` stops that child, which closes the Zoom socket: that is how a replica steps down.
 * The renew deadline is a delay measured from when the last successful renew was *sent* (monotonic clock),
 * so a leader that lost Redis is off Zoom before its lease can expire for anyone else.
 * The lease calls are promise actors named here and implemented by the cluster (`src/cluster/`): `acquire`,
 * `renew`, `checkLease`, `release`. Standbys run no connection machine, so they never fetch a Zoom token.
 */
export const replicaMachine = setup({
  types: {
    context: {} as ReplicaContext & { connectionTimings: ConnectionTimings; stopRequested: boolean; acquireErrors: number; fatal: unknown },
    events: {} as ReplicaEvent,
    input: {} as ReplicaInput,
    emitted: {} as ReplicaEmitted,
  },
  actors: {
    acquire: fromPromise<AcquireOutcome>(async () => {
      throw new Error('The "acquire" actor is not provided: use replicaMachine.provide({ actors })');
    }),
    renew: fromPromise<boolean, { token: LeaseToken }>(async () => {
      throw new Error('The "renew" actor is not provided: use replicaMachine.provide({ actors })');
    }),
    checkLease: fromPromise<boolean, { token: LeaseToken }>(async () => {
      throw new Error('The "checkLease" actor is not provided: use replicaMachine.provide({ actors })');
    }),
    release: fromPromise<boolean, { token: LeaseToken }>(async () => {
      throw new Error('The "release" actor is not provided: use replicaMachine.provide({ actors })');
    }),
    // The cluster provides it with lease-checking sockets and a publishing sink.
    connection: connectionMachine,
  },
  delays: {
    acquireDelay: ({ context }) => context.acquireDelay,
    renewInterval: ({ context }) => context.timings.renewInterval,
    // From the send time of the last renew that succeeded: a slow answer must not extend our claim.
    renewDeadline: ({ context }) => Math.max(0, context.renewedSentAt + context.timings.renewDeadline - performance.now()),
    retakeDelay: ({ context }) => context.retakeDelay,
    displacedDelay: ({ context }) => context.timings.displacedDelay,
  },
  guards: {
    acquired: (_, outcome: AcquireOutcome) => outcome.acquired,
    stopRequested: ({ context }) => context.stopRequested,
    acquiredAfterStop: ({ context }, outcome: AcquireOutcome) => outcome.acquired && context.stopRequested,
    leaseHeld: (_, held: boolean) => held,
    leaseGone: (_, held: boolean) => !held,
    foreignConsumer: ({ context }) => context.displacements.length > context.timings.foreignThreshold,
    hasFatal: ({ context }) => context.fatal !== undefined,
    // Only a displacement outside a rotation reaches `backoff`: the handover's own is handled inside the child.
    displacedInChild: (_, snapshot: { value: unknown; context: { lastFailure?: { reason: string } } }) =>
      snapshot.value === 'backoff' && snapshot.context.lastFailure?.reason === 'displaced',
  },
  actions: {
    scheduleAcquire: assign(({ context }) => {
      const jittered = jitter(context.timings.acquireInterval, Math.random());
      // Redis unreachable: back off (capped at one lease TTL, so a recovered Redis is noticed in time).
      const delay = context.acquireErrors === 0
        ? jittered
        : Math.max(jittered, backoffDelay(context.acquireErrors, context.timings.acquireInterval, context.timings.leaseTtl, Math.random()));
      return { acquireDelay: delay };
    }),
    noteSendTime: assign({ renewSentAt: () => performance.now() }),
    takeLease: enqueueActions(({ context, enqueue }, outcome: AcquireOutcome) => {
      if (!outcome.acquired) return;
      enqueue.assign({ token: outcome.token, previous: outcome.previous, renewedSentAt: context.renewSentAt, redisError: undefined, acquireErrors: 0 });
      enqueue.emit({ type: 'acquired', token: outcome.token, previous: outcome.previous });
    }),
    noteAcquireMiss: assign({ redisError: undefined, acquireErrors: 0 }),
    noteAcquireError: enqueueActions(({ context, enqueue }, error: unknown) => {
      const detail = describe(error);
      enqueue.assign({ redisError: detail, acquireErrors: context.acquireErrors + 1 });
      enqueue.emit({ type: 'acquire-failed', detail });
    }),
    noteStopRequest: assign({ stopRequested: true }),
    recordRenew: assign({ renewedSentAt: ({ context }) => context.renewSentAt }),
    reportRenewError: emit((_, error: unknown) => ({ type: 'renew-failed' as const, detail: describe(error) })),
    stepDown: enqueueActions(({ enqueue }, params: { reason: StepDownReason; detail: string }) => {
      enqueue.assign({ token: undefined, previous: undefined, lastStepDown: params });
      enqueue.emit({ type: 'stepped-down', reason: params.reason, detail: params.detail });
    }),
    startConnection: sendTo('connection', { type: 'START' }),
    recordDisplacement: assign(({ context }) => {
      const now = performance.now();
      const recent = context.displacements.filter((at) => now - at < context.timings.foreignWindow);
      return { displacements: [...recent, now], retakeDelay: jitter(context.timings.retakeDelay, Math.random()) };
    }),
    reportRetake: emit(({ context }) => ({ type: 'displaced' as const, retakeIn: context.retakeDelay })),
    reportForeign: emit(({ context }) => ({ type: 'foreign-consumer' as const, displacements: context.displacements.length, backoff: context.timings.displacedDelay })),
    recordFatal: assign({ fatal: () => 'the Zoom connection failed for good' }),
  },
}).createMachine({
  id: 'replica',
  initial: 'idle',
  context: ({ input }) => ({
    timings: input.timings,
    connectionTimings: input.connection.timings,
    token: undefined,
    previous: undefined,
    acquireDelay: 0,
    retakeDelay: 0,
    renewedSentAt: 0,
    renewSentAt: 0,
    displacements: [],
    lastStepDown: undefined,
    redisError: undefined,
    stopRequested: false,
    acquireErrors: 0,
    fatal: undefined,
  }),
  states: {
    idle: {
      on: { START: 'standby.acquiring', STOP: 'stopped' },
    },
    standby: {
      initial: 'waiting',
      states: {
        waiting: {
          entry: 'scheduleAcquire',
          after: { acquireDelay: 'acquiring' },
          on: { WAKE: 'acquiring', STOP: '#replica.stopped' },
        },
        acquiring: {
          entry: 'noteSendTime',
          invoke: {
            id: 'acquire',
            src: 'acquire',
            onDone: [
              // Stopped while the acquire was in flight: a lease we won must be given back, not left to expire.
              { guard: { type: 'acquiredAfterStop', params: ({ event }) => event.output }, target: '#replica.releasing', actions: { type: 'takeLease', params: ({ event }) => event.output } },
              { guard: { type: 'acquired', params: ({ event }) => event.output }, target: '#replica.leading', actions: { type: 'takeLease', params: ({ event }) => event.output } },
              { guard: 'stopRequested', target: '#replica.stopped' },
              { target: 'waiting', actions: 'noteAcquireMiss' },
            ],
            onError: [
              { guard: 'stopRequested', target: '#replica.stopped' },
              { target: 'waiting', actions: { type: 'noteAcquireError', params: ({ event }: { event: { error: unknown } }) => event.error } },
            ],
          },
          on: { STOP: { actions: 'noteStopRequest' } },
        },
      },
    },
    leading: {
      type: 'parallel',
      on: {
        STOP: 'releasing',
        'PUBLISH.FENCED': { target: 'standby', actions: { type: 'stepDown', params: { reason: 'fenced', detail: 'a publish was rejected: the lease is no longer ours' } } },
        'LEASE.LOST': { target: 'standby', actions: { type: 'stepDown', params: ({ event }) => ({ reason: 'lease-lost' as const, detail: event.detail }) } },
      },
      states: {
        lease: {
          initial: 'waiting',
          states: {
            waiting: {
              after: { renewInterval: 'renewing' },
            },
            renewing: {
              entry: 'noteSendTime',
              invoke: {
                id: 'renew',
                src: 'renew',
                input: ({ context }) => ({ token: context.token! }),
                onDone: [
                  { guard: { type: 'leaseHeld', params: ({ event }) => event.output }, target: 'waiting', actions: ['recordRenew', raise({ type: 'LEASE.RENEWED' })] },
                  { target: '#replica.standby', actions: { type: 'stepDown', params: { reason: 'lease-lost', detail: 'a renew found the lease held by another replica' } } },
                ],
                onError: { target: 'waiting', actions: { type: 'reportRenewError', params: ({ event }: { event: { error: unknown } }) => event.error } },
              },
            },
          },
        },
        deadline: {
          initial: 'armed',
          states: {
            armed: {
              // Re-entering restarts the clock from the send time of the renew that just succeeded. (A self
              // transition: re-entering a region of the parallel state would restart the others too.)
              on: { 'LEASE.RENEWED': { target: 'armed', reenter: true } },
              after: {
                renewDeadline: {
                  target: '#replica.standby',
                  actions: { type: 'stepDown', params: ({ context }) => ({ reason: 'renew-deadline' as const, detail: `no renew succeeded for ${context.timings.renewDeadline} ms` }) },
                },
              },
            },
          },
        },
        connection: {
          initial: 'connected',
          states: {
            connected: {
              entry: 'startConnection',
              invoke: {
                id: 'connection',
                src: 'connection',
                input: ({ context }) => ({ timings: context.connectionTimings }),
                onSnapshot: { guard: { type: 'displacedInChild', params: ({ event }) => event.snapshot }, target: 'checking', actions: 'recordDisplacement' },
                // The child only ends on its own in `failed` (credentials rejected, maxAttempts spent): retrying
                // on another replica cannot help either.
                onDone: { target: '#replica.releasing', actions: 'recordFatal' },
              },
            },
            // Displaced: a stale ex-holder, a foreign consumer, or a successor that took a lease we lost.
            checking: {
              invoke: {
                id: 'checkLease',
                src: 'checkLease',
                input: ({ context }) => ({ token: context.token! }),
                onDone: [
                  { guard: { type: 'leaseGone', params: ({ event }) => event.output }, target: '#replica.standby', actions: { type: 'stepDown', params: { reason: 'lease-lost', detail: 'displaced, and the lease is held by another replica' } } },
                  { guard: 'foreignConsumer', target: 'backingOff', actions: 'reportForeign' },
                  { target: 'retaking', actions: 'reportRetake' },
                ],
                // Redis does not answer: the renew deadline decides; meanwhile retry as if still ours.
                onError: { target: 'retaking', actions: 'reportRetake' },
              },
            },
            retaking: {
              after: { retakeDelay: 'connected' },
            },
            backingOff: {
              after: { displacedDelay: 'connected' },
            },
          },
        },
      },
    },
    // The connection child was stopped on the way here (its sockets close with 1000); the release actor
    // waits for those closes before it gives the lease up, so a successor never displaces us.
    releasing: {
      invoke: {
        id: 'release',
        src: 'release',
        input: ({ context }) => ({ token: context.token! }),
        onDone: [{ guard: 'hasFatal', target: 'failed' }, { target: 'stopped' }],
        onError: [{ guard: 'hasFatal', target: 'failed' }, { target: 'stopped' }],
      },
    },
    stopped: { type: 'final' },
    /** The connection failed for good (Zoom rejected the credentials, or `maxAttempts` ran out). */
    failed: { type: 'final' },
  },
});

export type ReplicaMachine = typeof replicaMachine;

/** `base` ± 25 %. */
export function jitter(base: number, random: number): number {
  return Math.round(base * (0.75 + random * 0.5));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
