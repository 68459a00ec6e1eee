import { describe, expect, it } from 'vitest';
import { ZoomWsConsumer } from '../../src/cluster/consumer.js';
import { isPermanentDeliveryError, PermanentDeliveryError } from '../../src/cluster/index.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { idempotencyKey } from '../../src/cluster/lease-store.js';
import type { Logger } from '../../src/client/logger.js';
import type { RedisServer } from '../support/redis-server.js';
import { type TestRedisClient, appendEvent, sampleInner, useRedisServer } from '../support/stream-entries.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';

const SUB = 'sub-permanent';
const keys = subscriptionKeys('t', SUB);
let server: RedisServer;
let redis: TestRedisClient;
useRedisServer((started, client) => {
  server = started;
  redis = client;
});

const inner = sampleInner;

function publish(n: number): Promise<string> {
  return appendEvent(redis, keys, inner(n), String(100 + n));
}

function fieldsOf(pairs: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[pairs[i]!] = pairs[i + 1]!;
  return fields;
}

describe('PermanentDeliveryError', () => {
  it('is an Error with its own name and cause, recognised by isPermanentDeliveryError (also from another copy of the module)', () => {
    const cause = new Error('status 400');
    const error = new PermanentDeliveryError('rejected', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PermanentDeliveryError');
    expect(error.message).toBe('rejected');
    expect(error.cause).toBe(cause);
    expect(isPermanentDeliveryError(error)).toBe(true);
    // What a second copy of the class (a bundle next to dist) produces: a different class, the same global brand.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('zoom-ws.PermanentDeliveryError')]: true });
    expect(isPermanentDeliveryError(foreign)).toBe(true);
    expect(isPermanentDeliveryError(new Error('x'))).toBe(false);
    expect(isPermanentDeliveryError('PermanentDeliveryError')).toBe(false);
    expect(isPermanentDeliveryError(null)).toBe(false);
  });
});

describe('ZoomWsConsumer and a PermanentDeliveryError', () => {
  it('dead-letters and acknowledges the entry after its one delivery, counts and logs it; a plain error is still redelivered', async () => {
    const permanent = await publish(1);
    const transient = await publish(2);
    await publish(3);
    const deliveries: Record<string, number[]> = {};
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message) => void warnings.push(message) };
    const baseline = liveHandles();
    // maxDeliveries well above 1: only the error class can make the first delivery the last.
    // claimIdle above any handler's time under load: a handler still running then is claimed by its own consumer.
    const consumer = new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 't', group: 'g1', block: 100, claimIdle: 500, maxDeliveries: 5, logger });
    consumer.on('*', (_event, meta) => {
      (deliveries[meta.id] ??= []).push(meta.deliveries);
      if (meta.id === permanent) throw new PermanentDeliveryError('the receiver answered 400', { cause: new Error('detail') });
      if (meta.id === transient && meta.deliveries === 1) throw new Error('receiver briefly down');
    });
    await consumer.start();
    // The transient entry comes after the permanent one (concurrency 1), and its redelivery needs a claim round:
    // once it is acknowledged, a claim round has run since the permanent entry was dead-lettered.
    await eventually(() => (consumer.stats.acknowledged === 2 ? undefined : `acknowledged ${consumer.stats.acknowledged}`), 'the transient entry redelivered and acknowledged', 5_000);
    await consumer.stop();

    expect(deliveries[permanent]).toEqual([1]);
    expect(deliveries[transient]).toEqual([1, 2]);
    expect(consumer.stats).toMatchObject({ permanentFailures: 1, handlerFailures: 2, deadLettered: 1, acknowledged: 2, delivered: 4 });
    const dead = (await redis.sendCommand(['XRANGE', keys.dead, '-', '+'])) as [string, string[]][];
    expect(dead).toHaveLength(1);
    const fields = fieldsOf(dead[0]![1]);
    expect(fields).toMatchObject({ event: inner(1), key: idempotencyKey(inner(1)), replica: 'r1', token: '101', group: 'g1', originalId: permanent });
    expect(fields.error).toBe('PermanentDeliveryError: the receiver answered 400');
    expect(((await redis.sendCommand(['XPENDING', keys.events, 'g1'])) as [number])[0]).toBe(0);
    const logged = warnings.filter((line) => line.includes(permanent));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/failed permanently .*the receiver answered 400.*dead-letter stream without redelivery/);
    expect(await leakedHandles(baseline)).toEqual([]);
  });

  it('stops the other handlers of the entry and lets the entries behind it through, in order', async () => {
    const ids = [await publish(1), await publish(2), await publish(3)];
    const order: string[] = [];
    const consumer = new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 't', group: 'g2', block: 100, claimIdle: 500 });
    let secondHandlerSaw = 0;
    consumer.on('meeting.started', (_event, meta) => {
      order.push(meta.id);
      if (meta.id === ids[0]) throw new PermanentDeliveryError('invalid for this app');
    });
    consumer.on('*', (_event, meta) => {
      if (meta.id === ids[0]) secondHandlerSaw++;
    });
    await consumer.start();
    await eventually(() => (consumer.stats.acknowledged === 2 ? undefined : `acknowledged ${consumer.stats.acknowledged}`), 'the two entries behind it');
    await consumer.stop();
    expect(order).toEqual(ids);
    expect(secondHandlerSaw).toBe(0);
    expect(consumer.stats).toMatchObject({ permanentFailures: 1, deadLettered: 1 });
    expect(await redis.xLen(keys.dead)).toBe(1);
  });
});
