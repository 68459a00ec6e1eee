import { describe, expect, it } from 'vitest';
import { LoopLag } from '../../src/cluster/loop-lag.js';
import { addedHandles, liveHandles } from '../support/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // A busy event loop: frames arriving now wait in their sockets.
  }
};

describe('LoopLag', () => {
  it('covers a stretch the event loop stood still, then forgets it after two windows', async () => {
    const baseline = liveHandles();
    const lag = new LoopLag();
    lag.start();
    try {
      await sleep(50);
      const quiet = lag.recentMaxMs();
      block(150);
      await sleep(30);
      const busy = lag.recentMaxMs();
      expect(busy).toBeGreaterThanOrEqual(140);
      expect(busy).toBeGreaterThan(quiet);
      // Two windows of 1 s later the stall is out of the estimate.
      await sleep(1_100);
      lag.recentMaxMs();
      await sleep(1_100);
      expect(lag.recentMaxMs()).toBeLessThan(busy);
    } finally {
      lag.stop();
    }
    expect(addedHandles(baseline)).toEqual([]);
  });
});
