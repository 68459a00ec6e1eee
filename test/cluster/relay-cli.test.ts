import { afterEach, describe, expect, it } from 'vitest';
import { ZoomWsCluster } from '../../src/cluster/cluster.js';
import { ZoomWsConfigError } from '../../src/errors.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { runCli } from '../support/cli.js';
import { freePort, startRedisServer } from '../support/redis-server.js';
import { killAll, readStreams, startRelay, type Relay } from '../support/relays.js';

let sim: ZoomSimulator | undefined;
let relays: Relay[] = [];

afterEach(async () => {
  await killAll(relays);
  relays = [];
  await sim?.stop();
  sim = undefined;
});

const credentials = { accountId: 'a', clientId: 'c', clientSecret: 's3cr3t-value', subscriptionId: 'sub', redis: 'redis://127.0.0.1:1' };

describe('zoom-ws relay: configuration', () => {
  it.each([
    [['--redis', 'http://nope'], /--redis \/ ZOOM_WS_REDIS_URL.*not redis:/],
    [['--redis', 'not a url'], /--redis \/ ZOOM_WS_REDIS_URL/],
    [['--redis', 'redis://127.0.0.1:1', '--lease-ttl', 'ten'], /--lease-ttl must be a whole number/],
    [['--redis', 'redis://127.0.0.1:1', '--renew-deadline', '20000'], /--renew-deadline.*below leaseTtl/],
    [['--redis', 'redis://127.0.0.1:1', '--renew-interval', '3000'], /--renew-interval.*renewDeadline \/ 3/],
    [['--redis', 'redis://127.0.0.1:1', '--replica-id', 'a|b'], /--replica-id/],
    [['--redis', 'redis://127.0.0.1:1', '--bogus', '1'], /unknown flag --bogus/],
    [[], /ZOOM_WS_REDIS_URL/],
  ])('%j → exit 2 naming it', async (args, message) => {
    const run = runCli(['relay', ...args], { ZOOM_ACCOUNT_ID: 'a', ZOOM_CLIENT_ID: 'c', ZOOM_CLIENT_SECRET: 's3cr3t-value', ZOOM_SUBSCRIPTION_ID: 'sub' });
    const { code } = await run.exit;
    expect(code).toBe(2);
    expect(run.stderr()).toMatch(message);
    expect(run.stderr()).not.toContain('s3cr3t-value');
    expect(run.stdout()).toBe('');
  });

  it('validates the timings at construction', () => {
    expect(() => new ZoomWsCluster({ ...credentials, leaseTtl: 5_000, renewDeadline: 5_000 })).toThrow(ZoomWsConfigError);
    expect(() => new ZoomWsCluster({ ...credentials, renewInterval: 2_001 })).toThrow(/renewInterval/);
    expect(() => new ZoomWsCluster({ ...credentials, redisCommandTimeout: 2_000 })).toThrow(/redisCommandTimeout/);
    expect(() => new ZoomWsCluster({ ...credentials, redis: 'localhost:6379' })).toThrow(/"redis"/);
    expect(() => new ZoomWsCluster({ ...credentials, keyPrefix: 'a{b}' })).toThrow(/keyPrefix/);
    expect(new ZoomWsCluster(credentials).role).toBe('standby');
  });

  it('with Redis unreachable it never connects to Zoom, says so on stderr, keeps retrying, and still exits 0 on SIGTERM', async () => {
    sim = await createZoomSimulator();
    const port = await freePort();
    const relay = startRelay('lonely', { ...sim.env, ZOOM_WS_REDIS_URL: `redis://default:redis-pa55word@127.0.0.1:${port}` });
    relays.push(relay);
    await relay.waitFor(/Redis unavailable/, 'the Redis warning', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sim.stats.tokenRequests).toBe(0);
    expect(sim.stats.upgrades).toBe(0);
    expect(relay.stderr().match(/Redis unavailable/g)!.length).toBeGreaterThan(1);
    relay.kill('SIGTERM');
    expect(await relay.exit).toEqual({ code: 0, signal: null });
    expect(relay.stdoutLines()).toEqual([]);
    expect(relay.stderr()).not.toContain('redis-pa55word');
    expect(relay.stderr()).not.toContain(sim.credentials.clientSecret);
  });

  it('credentials Zoom rejects: the leader releases the lease and exits 1 saying why, without leaking the secret', async () => {
    sim = await createZoomSimulator();
    const redis = await startRedisServer();
    try {
      const relay = startRelay('wrong', { ...sim.env, ZOOM_CLIENT_SECRET: 'wrong-s3cret', ZOOM_WS_REDIS_URL: redis.url });
      relays.push(relay);
      expect(await relay.exit).toEqual({ code: 1, signal: null });
      expect(relay.stderr()).toMatch(/failed for good .*Zoom rejected the token request/);
      expect(relay.stderr()).not.toContain('wrong-s3cret');
      expect((await readStreams(redis.url, sim.credentials.subscriptionId)).lease).toBeNull();
      expect(sim.stats.tokenRequests).toBe(1);
    } finally {
      await redis.stop();
    }
  });
});
