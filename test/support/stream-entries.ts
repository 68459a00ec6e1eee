import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { SubscriptionKeys } from '../../src/cluster/keys.js';
import { idempotencyKey } from '../../src/cluster/lease-store.js';
import { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';

export type TestRedisClient = ReturnType<typeof createClient>;

/**
 * One real redis-server and a connected client for a test file: started before its tests, emptied before each
 * (unless `flushEachTest: false`), stopped after. `ready` receives both once they are up (and may configure them).
 */
export function useRedisServer(
  ready: (server: RedisServer, client: TestRedisClient) => void | Promise<void>,
  { flushEachTest = true, ...serverOptions }: RedisServerOptions & { flushEachTest?: boolean } = {},
): void {
  let server: RedisServer | undefined;
  let client: TestRedisClient | undefined;
  beforeAll(async () => {
    server = await startRedisServer(serverOptions);
    client = createClient({ url: server.url });
    client.on('error', () => {});
    await client.connect();
    await ready(server, client);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  if (flushEachTest) beforeEach(async () => void (await client!.flushAll()));
}

/** Inner event JSON number `n`, as the consumer tests use it. */
export const sampleInner = (n: number) => JSON.stringify({ event: 'meeting.started', event_ts: 1_700_000_000_000 + n, payload: { account_id: 'a', object: { id: String(n) } } });

/** Appends `event` to the events stream with the public contract's fields, as the leader's publish script writes it. */
export function appendEvent(redis: TestRedisClient, keys: SubscriptionKeys, event: string, token = '1'): Promise<string> {
  return redis.sendCommand(['XADD', keys.events, '*', 'event', event, 'key', idempotencyKey(event), 'replica', 'r1', 'token', token, 'receivedAt', String(Date.now())]) as Promise<string>;
}
