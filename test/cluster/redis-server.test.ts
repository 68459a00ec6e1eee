import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

describe('the test redis-server', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it('keeps data across a kill and restart only when persistent', async () => {
    const durable = await startRedisServer({ persistent: true });
    const volatile = await startRedisServer();
    servers.push(durable, volatile);
    for (const server of [durable, volatile]) {
      const client = createClient({ url: server.url });
      await client.connect();
      await client.set('k', 'v');
      client.destroy();
      const before = server.pid;
      await server.restart();
      expect(server.pid).not.toBe(before);
    }
    const read = async (server: RedisServer) => {
      const client = createClient({ url: server.url });
      await client.connect();
      const value = await client.get('k');
      client.destroy();
      return value;
    };
    expect(await read(durable)).toBe('v');
    expect(await read(volatile)).toBeNull();
  });
});
