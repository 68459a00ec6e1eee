import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import type { ConnectionEmitted, ConnectionTimings } from '../../machines/connection.types.js';
import { connectionStateOf } from '../../src/client/connection-state.js';
import { TokenFetchError, ZoomAuthError } from '../../src/errors.js';
import { fakeActors, testTimings } from '../support/fake-actors.js';

function setupMachine(timings: Partial<ConnectionTimings> = {}, { autoAlive = true } = {}) {
  const fakes = fakeActors({ autoAlive });
  const actor = createActor(connectionMachine.provide({ actors: fakes.actors }), { input: { timings: { ...testTimings, ...timings } } });
  const emitted: ConnectionEmitted[] = [];
  for (const type of ['outage', 'retry', 'rotated', 'rotation-failed'] as const) actor.on(type, (event) => emitted.push(event));
  const states: string[] = [];
  actor.subscribe({ next: (snapshot) => {
    const state = connectionStateOf(snapshot);
    if (states.at(-1) !== state) states.push(state);
  }, error: (error) => { throw error; } });
  actor.start();
  const state = () => connectionStateOf(actor.getSnapshot());
  const lastSocket = () => fakes.sockets.at(-1)!;
  const lastTokenRequest = () => fakes.tokenRequests.at(-1)!;
  return { actor, ...fakes, emitted, states, state, lastSocket, lastTokenRequest };
}

async function openConnection(m: ReturnType<typeof setupMachine>, ttlMs?: number) {
  m.actor.send({ type: 'START' });
  m.lastTokenRequest().resolve(ttlMs);
  await vi.advanceTimersByTimeAsync(0);
  m.lastSocket().send({ type: 'SOCKET.READY' });
  expect(m.state()).toBe('open');
}

describe('connection machine (simulated clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('goes idle → authenticating → connecting → open, and open only on build_connection success', async () => {
    const m = setupMachine();
    m.actor.send({ type: 'START' });
    expect(m.state()).toBe('authenticating');
    const token = m.lastTokenRequest().resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.state()).toBe('connecting');
    expect(m.lastSocket().token).toBe(token);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(m.state()).toBe('connecting');
    m.lastSocket().send({ type: 'SOCKET.READY' });
    expect(m.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
  });

  it('a fatal auth error ends in failed with the typed error', async () => {
    const m = setupMachine();
    m.actor.send({ type: 'START' });
    const error = new ZoomAuthError(400, 'invalid_client', 'Invalid client_id or client_secret');
    m.lastTokenRequest().reject(error);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.state()).toBe('failed');
    expect(m.actor.getSnapshot().context.fatal).toEqual({ kind: 'auth', error });
    expect(m.actor.getSnapshot().status).toBe('done');
  });

  it('a transient token failure backs off, honouring Retry-After, then re-authenticates', async () => {
    const m = setupMachine();
    m.actor.send({ type: 'START' });
    m.lastTokenRequest().reject(new TokenFetchError('rate-limited', 'HTTP 429', { status: 429, retryAfterMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(m.state()).toBe('backoff');
    expect(m.actor.getSnapshot().context.retryDelay).toBe(5_000);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(m.state()).toBe('backoff');
    expect(m.tokenRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.state()).toBe('authenticating');
    expect(m.tokenRequests).toHaveLength(2);
  });

  it('backoff grows exponentially with jitter in [d/2, d) and is capped', async () => {
    const m = setupMachine({ backoffInitial: 1_000, backoffMax: 4_000 });
    m.actor.send({ type: 'START' });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      m.lastTokenRequest().reject(new TokenFetchError('server-error', 'HTTP 503'));
      await vi.advanceTimersByTimeAsync(0);
      delays.push(m.actor.getSnapshot().context.retryDelay);
      await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    }
    // random = 0.5 → 3/4 of d, d = 1000, 2000, 4000, 4000, 4000
    expect(delays).toEqual([750, 1_500, 3_000, 3_000, 3_000]);
  });

  it('reuses a cached token across reconnects while it has more than the refresh margin left', async () => {
    const m = setupMachine();
    await openConnection(m);
    m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'closed', detail: 'closed with code 1006' } as never);
    expect(m.state()).toBe('backoff');
    await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    expect(m.state()).toBe('connecting');
    expect(m.tokenRequests).toHaveLength(1);
    expect(m.sockets).toHaveLength(2);
    expect(m.sockets[0]!.stopped).toBe(true);
  });

  it('a token rejection discards the token, counts as an attempt and re-authenticates after a delay', async () => {
    const m = setupMachine();
    await openConnection(m);
    m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'closed', detail: '1006' } as never);
    await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    m.lastSocket().send({ type: 'SOCKET.REFUSED', cause: 'token-rejected', detail: 'build_connection: Invalid Token' } as never);
    const context = m.actor.getSnapshot().context;
    expect(m.state()).toBe('backoff');
    expect(context.token).toBeUndefined();
    expect(context.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(context.retryDelay);
    expect(m.state()).toBe('authenticating');
    expect(m.tokenRequests).toHaveLength(2);
  });

  it('an always-refusing server never loops hot: each refusal waits a growing delay', async () => {
    const m = setupMachine({ backoffInitial: 100, backoffMax: 10_000 });
    m.actor.send({ type: 'START' });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      m.lastTokenRequest().resolve();
      await vi.advanceTimersByTimeAsync(0);
      m.lastSocket().send({ type: 'SOCKET.REFUSED', cause: 'token-rejected', detail: 'Token is invalid' } as never);
      waits.push(m.actor.getSnapshot().context.retryDelay);
      await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    }
    expect(waits).toEqual([75, 150, 300, 600, 1_200, 2_400]);
  });

  it('a connect timeout goes to backoff', async () => {
    const m = setupMachine();
    m.actor.send({ type: 'START' });
    m.lastTokenRequest().resolve();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(m.state()).toBe('backoff');
    expect(m.actor.getSnapshot().context.lastFailure?.reason).toBe('connect-timeout');
    expect(m.lastSocket().stopped).toBe(true);
  });

  it('sends a heartbeat as soon as it is open, then every interval, and declares the connection dead when no frame follows in time', async () => {
    const m = setupMachine({ heartbeatInterval: 30_000, heartbeatTimeout: 15_000 }, { autoAlive: false });
    await openConnection(m);
    const socket = m.lastSocket();
    // The first one goes out with the transition to open (right after build_connection), not one interval later.
    expect(socket.commands).toEqual(['HEARTBEAT']);
    expect(m.actor.getSnapshot().matches({ connection: { open: { liveness: 'awaitingFrame' } } })).toBe(true);
    socket.send({ type: 'SOCKET.ALIVE' });
    await vi.advanceTimersByTimeAsync(30_000 - 1);
    expect(socket.commands).toEqual(['HEARTBEAT']);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.commands).toEqual(['HEARTBEAT', 'HEARTBEAT']);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(m.state()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(m.state()).toBe('backoff');
    expect(m.actor.getSnapshot().context.lastFailure?.reason).toBe('dead');
    expect(socket.stopped).toBe(true);
  });

  it('a socket that accepts build_connection but never answers is dead heartbeatTimeout after opening', async () => {
    const m = setupMachine({ heartbeatInterval: 30_000, heartbeatTimeout: 15_000 }, { autoAlive: false });
    await openConnection(m);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(m.state()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(m.state()).toBe('backoff');
    expect(m.actor.getSnapshot().context.lastFailure?.reason).toBe('dead');
    expect(m.lastSocket().commands).toEqual(['HEARTBEAT']);
  });

  it('rotates make-before-break at expiry − margin without leaving open', async () => {
    const m = setupMachine({ refreshMargin: 300_000 });
    await openConnection(m, 3_600_000);
    const old = m.lastSocket();
    await vi.advanceTimersByTimeAsync(3_300_000 - 1);
    expect(m.tokenRequests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.tokenRequests).toHaveLength(2);
    const fresh = m.lastTokenRequest().resolve();
    await vi.advanceTimersByTimeAsync(0);
    const next = m.lastSocket();
    expect(next).not.toBe(old);
    expect(next.token).toBe(fresh);
    expect(old.stopped).toBe(false);
    next.send({ type: 'SOCKET.READY' });
    expect(old.stopped).toBe(true);
    expect(m.actor.getSnapshot().context.activeSocketId).toBe(next.id);
    expect(m.actor.getSnapshot().context.token).toBe(fresh);
    expect(m.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
    expect(m.emitted.filter((e) => e.type === 'rotated')).toHaveLength(1);
    expect(m.emitted.filter((e) => e.type === 'outage')).toHaveLength(0);
    // Zoom closing the old socket late changes nothing.
    old.send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
    expect(m.state()).toBe('open');
  });

  it('treats displacement of the old socket during a rotation as the handover', async () => {
    const m = setupMachine();
    await openConnection(m, 3_600_000);
    const old = m.lastSocket();
    await vi.advanceTimersByTimeAsync(3_300_000);
    m.lastTokenRequest().resolve();
    await vi.advanceTimersByTimeAsync(0);
    const next = m.lastSocket();
    old.send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
    expect(m.state()).toBe('open');
    expect(m.actor.getSnapshot().context.activeSocketId).toBe(next.id);
    next.send({ type: 'SOCKET.READY' });
    expect(m.state()).toBe('open');
  });

  it('keeps the old socket when a rotation fails and retries', async () => {
    const m = setupMachine();
    await openConnection(m, 3_600_000);
    const old = m.lastSocket();
    await vi.advanceTimersByTimeAsync(3_300_000);
    m.lastTokenRequest().reject(new TokenFetchError('server-error', 'HTTP 500'));
    await vi.advanceTimersByTimeAsync(0);
    expect(m.state()).toBe('open');
    expect(m.emitted.at(-1)).toMatchObject({ type: 'rotation-failed', attempt: 1 });
    await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.refreshRetryDelay);
    expect(m.tokenRequests).toHaveLength(3);
    m.lastTokenRequest().resolve();
    await vi.advanceTimersByTimeAsync(0);
    m.lastSocket().send({ type: 'SOCKET.REFUSED', cause: 'refused', detail: 'nope' } as never);
    expect(m.state()).toBe('open');
    expect(m.lastSocket().stopped).toBe(true);
    expect(old.stopped).toBe(false);
    expect(m.actor.getSnapshot().context.activeSocketId).toBe(old.id);
  });

  it('a displaced connection (not our rotation) waits displacedDelay and does not count an attempt', async () => {
    const m = setupMachine({ displacedDelay: 60_000 });
    await openConnection(m);
    m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'displaced', detail: 'Connected in another place' } as never);
    expect(m.state()).toBe('backoff');
    expect(m.actor.getSnapshot().context.retryDelay).toBe(60_000);
    expect(m.actor.getSnapshot().context.attempt).toBe(0);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(m.state()).toBe('backoff');
    await vi.advanceTimersByTimeAsync(1);
    expect(m.state()).toBe('connecting');
  });

  it('reports an outage from losing the subscription to being live again', async () => {
    const m = setupMachine();
    await openConnection(m);
    const lostAt = Date.now();
    m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'closed', detail: 'closed with code 1006' } as never);
    await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'error', detail: 'ECONNREFUSED' } as never);
    await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    m.lastSocket().send({ type: 'SOCKET.READY' });
    const outages = m.emitted.filter((e) => e.type === 'outage');
    expect(outages).toEqual([{ type: 'outage', outage: { from: lostAt, to: Date.now(), reason: 'closed', detail: 'closed with code 1006', endedBy: 'reconnected' } }]);
    expect(Date.now() - lostAt).toBeGreaterThan(0);
  });

  it('resets the attempt counter only after the connection stayed open for stablePeriod', async () => {
    const m = setupMachine({ stablePeriod: 30_000 });
    await openConnection(m);
    for (let i = 0; i < 2; i++) {
      m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'closed', detail: '1006' } as never);
      await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
      m.lastSocket().send({ type: 'SOCKET.READY' });
    }
    expect(m.actor.getSnapshot().context.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(m.actor.getSnapshot().context.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.actor.getSnapshot().context.attempt).toBe(0);
  });

  it('maxAttempts consecutive failures lead to failed', async () => {
    const m = setupMachine({ maxAttempts: 3 });
    m.actor.send({ type: 'START' });
    for (let i = 0; i < 3; i++) {
      m.lastTokenRequest().reject(new TokenFetchError('network', 'ECONNREFUSED'));
      await vi.advanceTimersByTimeAsync(0);
      if (i < 2) await vi.advanceTimersByTimeAsync(m.actor.getSnapshot().context.retryDelay);
    }
    expect(m.state()).toBe('failed');
    expect(m.actor.getSnapshot().context.fatal).toMatchObject({ kind: 'retries-exhausted', attempts: 3 });
  });

  describe('STOP from every state', () => {
    it('idle → closed', () => {
      const m = setupMachine();
      m.actor.send({ type: 'STOP' });
      expect(m.state()).toBe('closed');
    });

    it('authenticating → closed, aborting the token request', async () => {
      const m = setupMachine();
      m.actor.send({ type: 'START' });
      m.actor.send({ type: 'STOP' });
      expect(m.state()).toBe('closed');
      expect(m.lastTokenRequest().aborted).toBe(true);
    });

    it('connecting → closing → closed when the socket reports closed', async () => {
      const m = setupMachine();
      m.actor.send({ type: 'START' });
      m.lastTokenRequest().resolve();
      await vi.advanceTimersByTimeAsync(0);
      m.actor.send({ type: 'STOP' });
      expect(m.state()).toBe('closing');
      expect(m.lastSocket().commands).toEqual(['CLOSE']);
      m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'closed', detail: '1000' } as never);
      expect(m.state()).toBe('closed');
      expect(m.lastSocket().stopped).toBe(true);
    });

    it('open → closing → closed after closeTimeout when the server never answers the close', async () => {
      const m = setupMachine({ closeTimeout: 2_000 });
      await openConnection(m);
      m.actor.send({ type: 'STOP' });
      m.actor.send({ type: 'STOP' });
      expect(m.state()).toBe('closing');
      await vi.advanceTimersByTimeAsync(1_999);
      expect(m.state()).toBe('closing');
      await vi.advanceTimersByTimeAsync(1);
      expect(m.state()).toBe('closed');
      expect(m.lastSocket().stopped).toBe(true);
      expect(m.emitted.filter((e) => e.type === 'outage')).toHaveLength(0);
    });

    it('open during a rotation → closing stops both sockets', async () => {
      const m = setupMachine();
      await openConnection(m, 3_600_000);
      await vi.advanceTimersByTimeAsync(3_300_000);
      m.lastTokenRequest().resolve();
      await vi.advanceTimersByTimeAsync(0);
      m.actor.send({ type: 'STOP' });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(m.state()).toBe('closed');
      expect(m.sockets.every((s) => s.stopped)).toBe(true);
    });

    it('backoff → closed, and an outage in progress is reported as ended by stop', async () => {
      const m = setupMachine();
      await openConnection(m);
      m.lastSocket().send({ type: 'SOCKET.DOWN', reason: 'closed', detail: '1006' } as never);
      m.actor.send({ type: 'STOP' });
      expect(m.state()).toBe('closed');
      expect(m.emitted.filter((e) => e.type === 'outage')).toMatchObject([{ outage: { endedBy: 'stopped', reason: 'closed' } }]);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
