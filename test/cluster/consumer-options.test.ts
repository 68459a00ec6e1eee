import { describe, expect, it } from 'vitest';
import { MIN_CLAIM_IDLE, resolveConsumerOptions } from '../../src/cluster/consumer-options.js';
import { ZoomWsConfigError } from '../../src/errors.js';

const base = { redis: 'redis://127.0.0.1:6379', subscriptionId: 'sub', group: 'g' };

describe('consumer options', () => {
  it('refuses a claimIdle too short for a live consumer to keep what it holds, naming the field', () => {
    for (const claimIdle of [0, 1, 30, MIN_CLAIM_IDLE - 1, 150.5]) {
      expect(() => resolveConsumerOptions({ ...base, claimIdle })).toThrow(ZoomWsConfigError);
      expect(() => resolveConsumerOptions({ ...base, claimIdle })).toThrow(/claimIdle/);
    }
    expect(resolveConsumerOptions({ ...base, claimIdle: MIN_CLAIM_IDLE }).claimIdle).toBe(MIN_CLAIM_IDLE);
    expect(resolveConsumerOptions(base).claimIdle).toBe(30_000);
  });
});
