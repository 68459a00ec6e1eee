/**
 * Timer limits in the statechart (issue 9 §3): whatever a token source or a server says — a lifetime of
 * 30 days, of 1 ms, a Retry-After of 30 days — every delay fits `setTimeout` (which fires after 1 ms beyond
 * 2^31-1 ms) and refreshes keep {@link MIN_REFRESH_SPACING_MS} apart. The machine is checked on its own here, so
 * a token from a `tokenProvider` (which skips the token request's clamping) is covered too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { connectionMachine, MAX_TIMER_DELAY_MS, MIN_REFRESH_SPACING_MS, timerDelay } from '../../machines/connection.machine.js';
import { parseRetryAfter, MAX_RETRY_AFTER_MS } from '../../src/actors/token-request.js';
import { connectionStateOf } from '../../src/client/connection-state.js';
import { TokenFetchError } from '../../src/errors.js';
import { fakeActors, testTimings } from '../support/fake-actors.js';

const DAY = 24 * 3_600_000;

function start() {
  const fakes = fakeActors();
  const actor = createActor(connectionMachine.provide({ actors: fakes.actors }), { input: { timings: testTimings } });
  actor.subscribe({ error: (error) => { throw error; } });
  actor.start();
  actor.send({ type: 'START' });
  return { actor, ...fakes, state: () => connectionStateOf(actor.getSnapshot()) };
}

describe('delays within the timer limit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('timerDelay clamps to [0, 2^31-1] and NaN to 0', () => {
    expect(timerDelay(30 * DAY)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(Infinity)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(1234)).toBe(1234);
  });

  it('a token that lives 30 days is not refreshed after 1 ms, nor within a day', async () => {
    const m = start();
    m.tokenRequests[0]!.resolve(30 * DAY);
    await vi.advanceTimersByTimeAsync(0);
    m.sockets[0]!.send({ type: 'SOCKET.READY' });
    await vi.advanceTimersByTimeAsync(DAY);
    expect(m.tokenRequests).toHaveLength(1);
    expect(m.sockets).toHaveLength(1);
    expect(m.state()).toBe('open');
    m.actor.stop();
  });

  it('tokens that live 1 ms are refreshed at most once per MIN_REFRESH_SPACING_MS', async () => {
    const m = start();
    m.tokenRequests[0]!.resolve(1);
    await vi.advanceTimersByTimeAsync(0);
    m.sockets[0]!.send({ type: 'SOCKET.READY' });
    // Every refresh answers at once with another 1 ms token and every new socket is ready at once.
    const window = 2_000;
    const settled = new Set<unknown>([m.tokenRequests[0], m.sockets[0]]);
    for (let elapsed = 0; elapsed < window; elapsed += 10) {
      for (const request of m.tokenRequests.filter((request) => !settled.has(request))) {
        settled.add(request);
        request.resolve(1);
      }
      await vi.advanceTimersByTimeAsync(0);
      for (const socket of m.sockets.filter((socket) => !settled.has(socket) && !socket.stopped)) {
        settled.add(socket);
        socket.send({ type: 'SOCKET.READY' });
      }
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(m.tokenRequests.length).toBeGreaterThan(2);
    expect(m.tokenRequests.length).toBeLessThanOrEqual(window / MIN_REFRESH_SPACING_MS + 2);
    m.actor.stop();
  });

  it('a Retry-After of 30 days parsed from a header is capped; a larger one from elsewhere still waits, not 1 ms', async () => {
    expect(parseRetryAfter(String(30 * 24 * 3600))).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter(new Date(Date.now() + 30 * DAY).toUTCString())).toBe(MAX_RETRY_AFTER_MS);
    const m = start();
    m.tokenRequests[0]!.reject(new TokenFetchError('rate-limited', 'HTTP 429', { status: 429, retryAfterMs: 30 * DAY }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(m.state()).toBe('backoff');
    expect(m.tokenRequests).toHaveLength(1);
    m.actor.stop();
  });
});
