import { describe, expect, it } from 'vitest';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { ZoomWsConsumer } from '../../src/cluster/consumer.js';
import type { RedisServer } from '../support/redis-server.js';
import { type TestRedisClient, appendEvent, useRedisServer } from '../support/stream-entries.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/wait.js';

// Runs the built CLI (dist/): `npm run build` first.
const SUB = 'sub-cli';
const keys = subscriptionKeys('c', SUB);
let server: RedisServer;
let redis: TestRedisClient;
useRedisServer((started, client) => {
  server = started;
  redis = client;
});

// Spacing and key order as Zoom might send them: the CLI must print the stored bytes, not a re-serialisation.
const inner = (n: number) => `{"event":"meeting.started", "event_ts":${1_700_000_000_000 + n},"payload":{"object":{"id":"${n}"},"account_id":"a"}}`;

async function publish(from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    const event = inner(n);
    await appendEvent(redis, keys, event, '7');
  }
}

const env = () => ({ ZOOM_SUBSCRIPTION_ID: SUB, ZOOM_WS_REDIS_URL: server.url });

describe('zoom-ws consume', () => {
  it('prints each event exactly as stored, reports recorded outages on stderr, and exits 0 on SIGTERM', async () => {
    await publish(0, 5);
    const run = runCli(['consume', '--group', 'g', '--key-prefix', 'c', '--consumer', 'one'], env());
    await run.waitFor(() => run.stdoutLines().length >= 5, '5 lines');
    await redis.sendCommand(['XADD', keys.outages, '*', 'from', '1000', 'to', '3000', 'reason', 'failover', 'detail', 'leader lost', 'replica', 'r2']);
    await run.waitFor(() => /outage failover/.test(run.stderr()), 'outage line');
    expect(run.stdoutLines()).toEqual([0, 1, 2, 3, 4].map(inner));
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    expect(((await redis.sendCommand(['XPENDING', keys.events, 'g'])) as [number])[0]).toBe(0);
  });

  it('with Redis unreachable it keeps retrying, says so on stderr, and still exits 0 on SIGTERM', async () => {
    const { freePort } = await import('../support/redis-server.js');
    const run = runCli(['consume', '--group', 'g', '--redis', `redis://127.0.0.1:${await freePort()}`], { ZOOM_SUBSCRIPTION_ID: SUB });
    await run.waitFor(() => /Redis unavailable/.test(run.stderr()), 'the warning');
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    expect(run.stdoutLines()).toEqual([]);
  });

  it('exits 2 naming a bad flag, a malformed Redis URL or a missing subscription', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['consume', '--group', 'g', '--max-deliveries', 'x'], env(), /--max-deliveries/],
      [['consume', '--group', 'g', '--bogus', '1'], env(), /--bogus/],
      [['consume'], env(), /--group/],
      [['consume', '--group', 'g'], { ...env(), ZOOM_WS_REDIS_URL: 'http://u:hunter2-secret@127.0.0.1:1' }, /ZOOM_WS_REDIS_URL/],
      [['consume', '--group', 'g', '--redis', 'not a url'], env(), /--redis/],
      [['consume', '--group', 'g'], { ZOOM_WS_REDIS_URL: server.url }, /ZOOM_SUBSCRIPTION_ID/],
    ];
    for (const [args, environment, message] of cases) {
      const run = runCli(args, environment);
      expect((await run.exit).code, args.join(' ')).toBe(2);
      expect(run.stderr()).toMatch(message);
      expect(run.stderr()).not.toContain('hunter2');
    }
  });

  it('a consumer SIGKILLed mid-batch has its pending entries claimed by another; every event handled to completion at least once', async () => {
    const total = 200;
    await publish(0, total);
    const run = runCli(['consume', '--group', 'g', '--key-prefix', 'c', '--consumer', 'doomed'], env());
    await run.waitFor(() => run.stdoutLines().length >= 5, 'the first lines');
    run.child.kill('SIGKILL');
    expect((await run.exit).signal).toBe('SIGKILL');
    const pendingOnDoomed = (await redis.sendCommand(['XPENDING', keys.events, 'g', '-', '+', '100', 'doomed'])) as unknown[];
    expect(pendingOnDoomed.length).toBeGreaterThan(0);

    const claimIdle = 300;
    const survivor = new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 'c', group: 'g', consumer: 'survivor', claimIdle, block: 100 });
    const completed: string[] = [];
    survivor.on('*', async (_event, meta) => {
      await new Promise((resolve) => setImmediate(resolve));
      completed.push(meta.raw);
    });
    await survivor.start();
    const printed = new Set(run.stdoutLines());
    const all = [...Array(total).keys()].map(inner);
    await eventually(() => {
      const missing = all.filter((line) => !printed.has(line) && !completed.includes(line));
      return missing.length === 0 ? undefined : `${missing.length} never handled`;
    }, 'every event handled once at least', claimIdle * 3 + 5_000);
    await eventually(() => (survivor.stats.claimed >= pendingOnDoomed.length ? undefined : `claimed ${survivor.stats.claimed}`), 'claims', claimIdle * 3 + 2_000);
    await survivor.stop();
    expect(((await redis.sendCommand(['XPENDING', keys.events, 'g'])) as [number])[0]).toBe(0);
    // Redelivered only what the killed one had not acknowledged: nothing it acked came again.
    const acked = run.stdoutLines().length;
    expect(completed.length).toBeLessThanOrEqual(total - acked + pendingOnDoomed.length);
  });
});
