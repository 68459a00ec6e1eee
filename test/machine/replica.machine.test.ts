import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import { replicaMachine } from '../../machines/replica.machine.js';
import type { AcquireOutcome, ReplicaEmitted, ReplicaTimings } from '../../machines/replica.types.js';
import { ZoomAuthError } from '../../src/errors.js';
import { fakeActors, testTimings } from '../support/fake-actors.js';

const timings: ReplicaTimings = {
  leaseTtl: 10_000,
  renewInterval: 2_000,
  renewDeadline: 6_000,
  acquireInterval: 1_000,
  retakeDelay: 1_000,
  displacedDelay: 60_000,
  foreignWindow: 300_000,
  foreignThreshold: 2,
};

/** A lease call the test settles by hand. */
interface Pending<T> {
  input: unknown;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function pendingActor<T>(calls: Pending<T>[]) {
  return fromPromise<T, any>(({ input }) => new Promise<T>((resolve, reject) => calls.push({ input, resolve, reject })));
}

function setupReplica(connectionTimings = testTimings) {
  const zoom = fakeActors();
  const acquires: Pending<AcquireOutcome>[] = [];
  const renews: Pending<boolean>[] = [];
  const checks: Pending<boolean>[] = [];
  const releases: Pending<boolean>[] = [];
  const machine = replicaMachine.provide({
    actors: {
      acquire: pendingActor(acquires),
      renew: pendingActor(renews),
      checkLease: pendingActor(checks),
      release: pendingActor(releases),
      connection: connectionMachine.provide({ actors: zoom.actors }),
    },
  });
  const actor = createActor(machine, { input: { timings, connection: { timings: connectionTimings } }});
  const emitted: ReplicaEmitted[] = [];
  for (const type of ['acquired', 'acquire-failed', 'stepped-down', 'renew-failed', 'displaced', 'foreign-consumer'] as const) actor.on(type, (event) => emitted.push(event));
  actor.subscribe({ error: (error) => { throw error; } });
  actor.start();
  const state = () => actor.getSnapshot().value;
  const leading = () => actor.getSnapshot().matches('leading');
  const child = () => actor.getSnapshot().children.connection;
  return { actor, zoom, acquires, renews, checks, releases, emitted, state, leading, child };
}

type Replica = ReturnType<typeof setupReplica>;

const won = (token = '100'): AcquireOutcome => ({ acquired: true, token, previous: {} });
const lost: AcquireOutcome = { acquired: false, holder: 'other', ttlMs: 5_000 };

async function becomeLeader(r: Replica, token = '100') {
  r.actor.send({ type: 'START' });
  r.acquires.at(-1)!.resolve(won(token));
  await vi.advanceTimersByTimeAsync(0);
  expect(r.leading()).toBe(true);
}

async function goLive(r: Replica) {
  r.zoom.tokenRequests.at(-1)!.resolve();
  await vi.advanceTimersByTimeAsync(0);
  r.zoom.sockets.at(-1)!.send({ type: 'SOCKET.READY' });
  await vi.advanceTimersByTimeAsync(0);
}

async function renewOk(r: Replica, times = 1) {
  for (let i = 0; i < times; i++) {
    await vi.advanceTimersByTimeAsync(timings.renewInterval);
    r.renews.at(-1)!.resolve(true);
    await vi.advanceTimersByTimeAsync(0);
  }
}

describe('replica machine (simulated clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('a standby never runs the connection machine, so it never fetches a Zoom token', async () => {
    const r = setupReplica();
    r.actor.send({ type: 'START' });
    for (let i = 0; i < 5; i++) {
      r.acquires.at(-1)!.resolve(lost);
      await vi.advanceTimersByTimeAsync(timings.acquireInterval);
    }
    expect(r.acquires).toHaveLength(6);
    expect(r.child()).toBeUndefined();
    expect(r.zoom.tokenRequests).toHaveLength(0);
    expect(r.actor.getSnapshot().matches({ standby: 'acquiring' })).toBe(true);
  });

  it('tries to acquire every acquireInterval ± 25 %, and at once on a wake-up', async () => {
    const r = setupReplica();
    r.actor.send({ type: 'START' });
    expect(r.acquires).toHaveLength(1);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    r.acquires[0]!.resolve(lost);
    await vi.advanceTimersByTimeAsync(749);
    expect(r.acquires).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.acquires).toHaveLength(2);
    r.acquires[1]!.resolve(lost);
    await vi.advanceTimersByTimeAsync(10);
    r.actor.send({ type: 'WAKE' });
    expect(r.acquires).toHaveLength(3);
  });

  it('with Redis failing it backs off, never dials, and reports it', async () => {
    const r = setupReplica();
    r.actor.send({ type: 'START' });
    const gaps: number[] = [];
    let last = performance.now();
    for (let i = 0; i < 5; i++) {
      r.acquires.at(-1)!.reject(new Error('connect ECONNREFUSED'));
      const count = r.acquires.length;
      while (r.acquires.length === count) await vi.advanceTimersByTimeAsync(50);
      gaps.push(performance.now() - last);
      last = performance.now();
    }
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(timings.leaseTtl + 50);
    expect(r.emitted.filter((e) => e.type === 'acquire-failed')).toHaveLength(5);
    expect(r.zoom.tokenRequests).toHaveLength(0);
  });

  it('leading: invokes the connection machine, which fetches a token and dials', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    expect(r.emitted[0]).toEqual({ type: 'acquired', token: '100', previous: {} });
    expect(r.child()).toBeDefined();
    expect(r.zoom.tokenRequests).toHaveLength(1);
    await goLive(r);
    expect(r.zoom.sockets).toHaveLength(1);
  });

  it('renews every renewInterval and stays leader while renews succeed', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    const child = r.child();
    await renewOk(r, 10);
    expect(r.renews).toHaveLength(10);
    // Renewing never touches the connection: same child, same socket, one token.
    expect(r.child()).toBe(child);
    expect(r.zoom.sockets).toHaveLength(1);
    expect(r.zoom.sockets[0]!.stopped).toBe(false);
    expect(r.zoom.tokenRequests).toHaveLength(1);
    expect(r.renews[0]!.input).toEqual({ token: '100' });
    expect(r.leading()).toBe(true);
  });

  it('steps down (closing its socket) when no renew succeeded for renewDeadline, counted from the send', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    await renewOk(r); // sent at t=2000
    // The next renew is sent at 4000 and never answered; later ones fail.
    await vi.advanceTimersByTimeAsync(timings.renewInterval);
    expect(r.renews).toHaveLength(2);
    // Deadline = 2000 (send of the last success) + 6000 = 8000; now 4000.
    await vi.advanceTimersByTimeAsync(3_999);
    expect(r.leading()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.leading()).toBe(false);
    expect(r.emitted.at(-1)).toMatchObject({ type: 'stepped-down', reason: 'renew-deadline' });
    expect(r.zoom.sockets[0]!.stopped).toBe(true);
    expect(r.child()).toBeUndefined();
  });

  it('a slow renew answer does not extend the deadline beyond its send time', async () => {
    const r = setupReplica();
    await becomeLeader(r); // acquire sent at 0
    await vi.advanceTimersByTimeAsync(timings.renewInterval); // renew sent at 2000
    await vi.advanceTimersByTimeAsync(3_000); // answered at 5000
    r.renews[0]!.resolve(true);
    await vi.advanceTimersByTimeAsync(0);
    // The deadline now runs from 2000: 8000, not 11000. The next renew (sent at 7000) hangs.
    await vi.advanceTimersByTimeAsync(2_999);
    expect(r.leading()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.leading()).toBe(false);
  });

  it('a renew error is retried on the next interval; a renew that finds another holder steps down at once', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await vi.advanceTimersByTimeAsync(timings.renewInterval);
    r.renews[0]!.reject(new Error('timeout'));
    await vi.advanceTimersByTimeAsync(timings.renewInterval);
    expect(r.renews).toHaveLength(2);
    expect(r.leading()).toBe(true);
    r.renews[1]!.resolve(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.leading()).toBe(false);
    expect(r.emitted.at(-1)).toMatchObject({ type: 'stepped-down', reason: 'lease-lost' });
  });

  it('a fenced publish or a failed check before a dial steps down at once', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    r.actor.send({ type: 'PUBLISH.FENCED' });
    expect(r.leading()).toBe(false);
    expect(r.zoom.sockets[0]!.stopped).toBe(true);
    expect(r.emitted.at(-1)).toMatchObject({ type: 'stepped-down', reason: 'fenced' });

    await vi.advanceTimersByTimeAsync(timings.acquireInterval);
    r.acquires.at(-1)!.resolve(won('101'));
    await vi.advanceTimersByTimeAsync(0);
    r.actor.send({ type: 'LEASE.LOST', detail: 'not ours before a dial' });
    expect(r.emitted.at(-1)).toMatchObject({ type: 'stepped-down', reason: 'lease-lost', detail: 'not ours before a dial' });
  });

  it('displaced while the lease is ours: retakes after a jittered delay, without the connection machine’s displacedDelay', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    r.zoom.sockets[0]!.send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.actor.getSnapshot().matches({ leading: { connection: 'checking' } })).toBe(true);
    r.checks[0]!.resolve(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.emitted.at(-1)).toEqual({ type: 'displaced', retakeIn: 1_000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(r.zoom.tokenRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    // A fresh connection machine: it dials again.
    expect(r.zoom.tokenRequests).toHaveLength(2);
  });

  it('displaced and the lease is gone: steps down, never dials again', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    r.zoom.sockets[0]!.send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
    await vi.advanceTimersByTimeAsync(0);
    r.checks[0]!.resolve(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.leading()).toBe(false);
    expect(r.emitted.at(-1)).toMatchObject({ type: 'stepped-down', reason: 'lease-lost' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(r.zoom.tokenRequests).toHaveLength(1);
  });

  it('more than 2 displacements in 5 minutes: a foreign consumer, reported, backing off displacedDelay (at most 2 retakes)', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    const displaceOnce = async () => {
      r.zoom.sockets.at(-1)!.send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
      await vi.advanceTimersByTimeAsync(0);
      r.checks.at(-1)!.resolve(true);
      await vi.advanceTimersByTimeAsync(0);
    };
    const keepRenewing = async (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        await vi.advanceTimersByTimeAsync(500);
        const pending = r.renews.at(-1);
        pending?.resolve(true);
      }
    };
    await displaceOnce();
    await keepRenewing(1_000);
    await goLive(r);
    await displaceOnce();
    await keepRenewing(1_000);
    await goLive(r);
    await displaceOnce();
    expect(r.emitted.filter((e) => e.type === 'displaced')).toHaveLength(2);
    expect(r.emitted.at(-1)).toEqual({ type: 'foreign-consumer', displacements: 3, backoff: 60_000 });
    expect(r.actor.getSnapshot().matches({ leading: { connection: 'backingOff' } })).toBe(true);
    const tokensBefore = r.zoom.tokenRequests.length;
    await keepRenewing(59_000);
    expect(r.zoom.tokenRequests).toHaveLength(tokensBefore);
    await keepRenewing(1_500);
    expect(r.zoom.tokenRequests).toHaveLength(tokensBefore + 1);
    expect(r.leading()).toBe(true);
  });

  it('a rotation’s own handover displacement has no lease effect', async () => {
    const s = setupReplica({ ...testTimings, refreshMargin: 1_000 });
    s.actor.send({ type: 'START' });
    s.acquires[0]!.resolve(won());
    await vi.advanceTimersByTimeAsync(0);
    s.zoom.tokenRequests[0]!.resolve(10_000); // refresh due after 9 s
    await vi.advanceTimersByTimeAsync(0);
    s.zoom.sockets[0]!.send({ type: 'SOCKET.READY' });
    // Keep renewing through the refresh.
    for (let i = 0; i < 16; i++) {
      await vi.advanceTimersByTimeAsync(timings.renewInterval);
      s.renews.at(-1)?.resolve(true);
      if (s.zoom.tokenRequests.length === 2) break;
    }
    expect(s.zoom.tokenRequests).toHaveLength(2);
    s.zoom.tokenRequests[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.zoom.sockets).toHaveLength(2);
    // Zoom displaces the old socket as soon as the new one is accepted.
    s.zoom.sockets[0]!.send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.actor.getSnapshot().matches({ leading: { connection: 'connected' } })).toBe(true);
    expect(s.checks).toHaveLength(0);
    expect(s.emitted.some((e) => e.type === 'displaced' || e.type === 'foreign-consumer')).toBe(false);
  });

  it('stop() while leading: the connection child stops (socket closes), the lease is released, then stopped', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    await goLive(r);
    r.actor.send({ type: 'STOP' });
    expect(r.state()).toBe('releasing');
    expect(r.zoom.sockets[0]!.stopped).toBe(true);
    expect(r.releases[0]!.input).toEqual({ token: '100' });
    r.releases[0]!.resolve(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state()).toBe('stopped');
    expect(r.actor.getSnapshot().status).toBe('done');
  });

  it('stop() during an acquire that then succeeds gives the lease back instead of leading', async () => {
    const r = setupReplica();
    r.actor.send({ type: 'START' });
    r.actor.send({ type: 'STOP' });
    r.acquires[0]!.resolve(won());
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state()).toBe('releasing');
    expect(r.zoom.tokenRequests).toHaveLength(0);
    r.releases[0]!.resolve(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state()).toBe('stopped');
  });

  it('Zoom rejecting the credentials ends the replica in failed, after releasing the lease', async () => {
    const r = setupReplica();
    await becomeLeader(r);
    r.zoom.tokenRequests[0]!.reject(new ZoomAuthError(400, 'invalid_client', 'Invalid client_id or client_secret'));
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state()).toBe('releasing');
    r.releases[0]!.resolve(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.state()).toBe('failed');
    expect(r.actor.getSnapshot().context.fatal).toBeDefined();
    expect(r.zoom.tokenRequests).toHaveLength(1);
  });

  it('a standby stops at once', async () => {
    const r = setupReplica();
    r.actor.send({ type: 'START' });
    r.acquires[0]!.resolve(lost);
    await vi.advanceTimersByTimeAsync(0);
    r.actor.send({ type: 'STOP' });
    expect(r.state()).toBe('stopped');
    expect(r.releases).toHaveLength(0);
  });
});
