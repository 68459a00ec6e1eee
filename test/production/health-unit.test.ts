import { describe, expect, it } from 'vitest';
import { assessHealth, type HealthInput } from '../../src/client/health.js';

const timings = { heartbeatInterval: 30_000, heartbeatTimeout: 15_000, connectTimeout: 10_000, tokenTimeout: 10_000, closeTimeout: 2_000 };
const base: HealthInput = { state: 'open', stateSince: 0, lastFrameAt: 0, lastEventAt: undefined, openOutageSince: undefined, retryDelay: 0, timings, now: 0 };

describe('assessHealth: wedged is "held far beyond what the timings allow"', () => {
  it('open: live while frames arrive within 2 × (interval + timeout) + 5 s, not live beyond', () => {
    const limit = 2 * (30_000 + 15_000) + 5_000;
    expect(assessHealth({ ...base, now: limit }).live).toBe(true);
    expect(assessHealth({ ...base, now: limit + 1 })).toMatchObject({ live: false, ready: true });
    expect(assessHealth({ ...base, lastFrameAt: limit, now: limit + 1 }).live).toBe(true);
  });

  it('backoff honours the delay it waits (a long Retry-After is not wedged); failed is never live; closed is', () => {
    expect(assessHealth({ ...base, state: 'backoff', retryDelay: 600_000, now: 1_000_000 }).live).toBe(true);
    expect(assessHealth({ ...base, state: 'backoff', retryDelay: 1_000, now: 7_001 }).live).toBe(false);
    expect(assessHealth({ ...base, state: 'authenticating', now: 25_001 }).live).toBe(false);
    expect(assessHealth({ ...base, state: 'failed' }).live).toBe(false);
    expect(assessHealth({ ...base, state: 'closed', now: 10 ** 9 })).toMatchObject({ live: true, ready: false });
  });
});
