import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoomWsConfigError } from '../../src/errors.js';
import { reconnectDelay, RedisConnection, RedisTimeoutError, validateRedisUrl } from '../../src/cluster/redis-connection.js';
import type { Logger } from '../../src/client/logger.js';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { leakedHandles, liveHandles } from '../support/wait.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string, ...rest: unknown[]) => lines.push([message, ...rest.map(String)].join(' '));
  return { lines, debug: push, info: push, warn: push, error: push };
}

describe('RedisConnection', () => {
  it('rejects a malformed URL or another scheme with a config error naming the field, without echoing the password', () => {
    for (const bad of ['not a url', 'http://127.0.0.1:6379', 'redis://:hunter2-secret@', 'redis://u:hunter2-secret@host:99999', 'redis://u:hunter2-secret@host/abc']) {
      let thrown: unknown;
      try {
        RedisConnection.create({ redis: bad, field: 'redis' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, bad).toBeInstanceOf(ZoomWsConfigError);
      expect((thrown as ZoomWsConfigError).field).toBe('redis');
      expect((thrown as Error).message).not.toContain('hunter2');
    }
    expect(validateRedisUrl('rediss://u:p@127.0.0.1:6380/2').port).toBe('6380');
    expect(() => RedisConnection.create({ redis: {} as never })).toThrow(ZoomWsConfigError);
    expect(() => RedisConnection.create({ redis: server.url, commandTimeout: 0 })).toThrow(/commandTimeout/);
  });

  it('opens from a URL, sends commands, duplicates, and release() leaves no handle', async () => {
    const baseline = liveHandles();
    const connection = await RedisConnection.open({ redis: server.url });
    expect(await connection.send(['PING'])).toBe('PONG');
    const blocking = await connection.duplicate({ name: 'blocking' });
    expect(blocking.owned).toBe(true);
    // A blocked command on the duplicate does not hold up the first connection.
    const blocked = blocking.send(['BLPOP', 'nothing-here', '5']).catch((error: unknown) => error);
    expect(await connection.send(['SET', 'k', 'v'])).toBe('OK');
    expect(await connection.send(['GET', 'k'])).toBe('v');
    await blocking.release();
    expect(await blocked).toBeInstanceOf(Error);
    await connection.release();
    await connection.release();
    expect(await leakedHandles(baseline)).toEqual([]);
  });

  it('times a command out after commandTimeout', async () => {
    const connection = await RedisConnection.open({ redis: server.url, commandTimeout: 100 });
    const started = performance.now();
    await expect(connection.send(['BLPOP', 'nothing-here', '2'])).rejects.toBeInstanceOf(RedisTimeoutError);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(90);
    expect(took).toBeLessThan(1_500);
    await connection.release();
  });

  it('a reply that arrived while our own process stood still is no timeout (expired timers run before waiting I/O is read)', async () => {
    const connection = await RedisConnection.open({ redis: server.url, commandTimeout: 100 });
    const reply = connection.send(['PING']);
    // node-redis writes on the next setImmediate: let it go out, then stand still as a SIGSTOPped process does.
    await new Promise((resolve) => setImmediate(resolve));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // Busy: no timer, no I/O runs; Redis answers into the socket meanwhile.
    }
    await expect(reply).resolves.toBe('PONG');
    await connection.release();
  });

  it('a stalled server (SIGSTOP) still times out; after SIGCONT the late reply is dropped and the next command gets its own', async () => {
    const stalled = await startRedisServer();
    const connection = await RedisConnection.open({ redis: stalled.url, commandTimeout: 100 });
    try {
      expect(await connection.send(['SET', 'k', 'before'])).toBe('OK');
      process.kill(stalled.pid, 'SIGSTOP');
      const started = performance.now();
      await expect(connection.send(['GET', 'k'])).rejects.toBeInstanceOf(RedisTimeoutError);
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(90);
      expect(took).toBeLessThan(1_500);
      process.kill(stalled.pid, 'SIGCONT');
      expect(await connection.send(['SET', 'k', 'after'])).toBe('OK');
      expect(await connection.send(['GET', 'k'])).toBe('after');
    } finally {
      process.kill(stalled.pid, 'SIGCONT');
      await connection.release();
      await stalled.stop();
    }
  });

  it('adopts a user client: release() leaves it open, duplicate() is ours to close', async () => {
    const user = createClient({ url: server.url });
    user.on('error', () => {});
    await user.connect();
    const connection = RedisConnection.create({ redis: user });
    expect(connection.owned).toBe(false);
    const own = await connection.duplicate();
    expect(await own.send(['PING'])).toBe('PONG');
    await own.release();
    await connection.release();
    expect(user.isReady).toBe(true);
    expect(await user.ping()).toBe('PONG');
    user.destroy();
  });

  it('survives a Redis restart with one warning (no crash, no hot loop) and the password never logged', async () => {
    const restartable = await startRedisServer();
    const logger = recordingLogger();
    const url = `redis://default:hunter2-secret@127.0.0.1:${restartable.port}`;
    // Redis without requirepass accepts AUTH default <anything> — good enough to carry a password in the URL.
    const connection = await RedisConnection.open({ redis: url, logger, reconnectMinDelay: 20, reconnectMaxDelay: 200 });
    let errors = 0;
    connection.client.on('error', () => errors++);
    await restartable.kill();
    const downFor = 1_000;
    await new Promise((resolve) => setTimeout(resolve, downFor));
    // Capped backoff: at most about downFor / (0.8 × minDelay) attempts even before the cap applies; far fewer with it.
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThan(downFor / (0.8 * 20));
    await restartable.restart();
    const deadline = performance.now() + 3_000;
    while (!connection.isReady && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await connection.send(['PING'])).toBe('PONG');
    expect(logger.lines.filter((line) => /unavailable/.test(line))).toHaveLength(1);
    expect(logger.lines.join('\n')).not.toContain('hunter2');
    await connection.release();
    await restartable.stop();
  });

  it('keeps retrying an unreachable Redis until released', async () => {
    const port = await freePort();
    const connection = RedisConnection.create({ redis: `redis://127.0.0.1:${port}`, reconnectMinDelay: 20, reconnectMaxDelay: 100 });
    const connecting = connection.connect().then(() => 'connected', () => 'rejected');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await connection.release();
    expect(await connecting).toBe('rejected');
  });

  it('backs off exponentially up to the cap', () => {
    const delays = Array.from({ length: 12 }, (_, retries) => reconnectDelay(retries, 50, 2_000, () => 0.5));
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400]);
    expect(Math.max(...delays)).toBe(2_000);
    expect(reconnectDelay(3, 50, 2_000, () => 0)).toBe(320);
    expect(reconnectDelay(3, 50, 2_000, () => 1)).toBe(480);
  });
});
