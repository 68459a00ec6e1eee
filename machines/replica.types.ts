import type { ConnectionTimings } from './connection.types.js';

/** A fencing token: a decimal integer (as a string: it may exceed 2^53) that only grows. */
export type LeaseToken = string;

/** Lease timings the replica machine's named delays read. All in milliseconds. */
export interface ReplicaTimings {
  /** Lease time to live in Redis. */
  leaseTtl: number;
  /** How often the leader renews. */
  renewInterval: number;
  /** Step down when no renew succeeded for this long, measured from when the renew was sent. `< leaseTtl`. */
  renewDeadline: number;
  /** How often a standby tries to acquire (jittered ± 25 %). */
  acquireInterval: number;
  /** Wait after a displacement while the lease is still ours, before dialling again (jittered ± 25 %). */
  retakeDelay: number;
  /** Back-off after a foreign consumer was detected (the client's `displacedDelay`). */
  displacedDelay: number;
  /** More than `foreignThreshold` displacements within `foreignWindow` mean another consumer uses the subscription. */
  foreignWindow: number;
  foreignThreshold: number;
}

/** What the previous holder left behind, as read when the lease was acquired (see `LeaseStore.acquire`). */
export interface PreviousHolder {
  holder?: string;
  token?: string;
  acquiredAt?: number;
  liveSince?: number;
  lastAliveAt?: number;
  releasedAt?: number;
}

/** Outcome of one acquire attempt. */
export type AcquireOutcome =
  | { acquired: true; token: LeaseToken; previous: PreviousHolder }
  | { acquired: false; holder: string | undefined; ttlMs: number };

/** Why a leader stopped leading. */
export type StepDownReason =
  /** No renew succeeded for `renewDeadline` (Redis unreachable or too slow): self-fencing. */
  | 'renew-deadline'
  /** A renew, a check before a dial, or a check after a displacement found the lease held by someone else. */
  | 'lease-lost'
  /** A publish was rejected: the lease is no longer ours. */
  | 'fenced';

export interface ReplicaContext {
  timings: ReplicaTimings;
  /** The fencing token while leading (or releasing). */
  token: LeaseToken | undefined;
  previous: PreviousHolder | undefined;
  /** Delay the current standby wait lasts, fixed on entry. */
  acquireDelay: number;
  retakeDelay: number;
  /** Monotonic ms (`performance.now()`) when the last renew that succeeded (or the acquire) was sent. */
  renewedSentAt: number;
  /** Monotonic ms when the renew in flight was sent. */
  renewSentAt: number;
  /** Monotonic ms of recent displacements of our Zoom socket (within `foreignWindow`). */
  displacements: number[];
  lastStepDown: { reason: StepDownReason; detail: string } | undefined;
  /** Last Redis failure of an acquire attempt; cleared by a successful one. */
  redisError: string | undefined;
}

export interface ReplicaInput {
  timings: ReplicaTimings;
  connection: { timings: ConnectionTimings };
}

export type ReplicaEvent =
  | { type: 'START' }
  | { type: 'STOP' }
  /** The lease was released by its holder (pub/sub): try to acquire now. A hint only. */
  | { type: 'WAKE' }
  /** A publish or an outage write of ours was fenced. */
  | { type: 'PUBLISH.FENCED' }
  /** The check before a dial found the lease no longer ours. */
  | { type: 'LEASE.LOST'; detail: string }
  /** Internal: a renew succeeded (re-arms the renew deadline). */
  | { type: 'LEASE.RENEWED' };

/** Emitted to listeners of the actor (`actor.on(type, …)`). */
export type ReplicaEmitted =
  | { type: 'acquired'; token: LeaseToken; previous: PreviousHolder }
  | { type: 'acquire-failed'; detail: string }
  | { type: 'stepped-down'; reason: StepDownReason; detail: string }
  | { type: 'renew-failed'; detail: string }
  | { type: 'displaced'; retakeIn: number }
  | { type: 'foreign-consumer'; displacements: number; backoff: number };
