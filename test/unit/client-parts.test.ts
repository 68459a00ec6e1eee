import { describe, expect, it } from 'vitest';
import { DuplicateFilter } from '../../src/client/duplicate-filter.js';
import { EventQueue } from '../../src/client/event-queue.js';
import { createRedactingLogger } from '../../src/client/logger.js';
import { resolveOptions } from '../../src/client/options.js';
import { DEFAULTS, ZoomWsClient, ZoomWsConfigError } from '../../src/index.js';

const base = { accountId: 'a', clientId: 'c', clientSecret: 'super-secret-1', subscriptionId: 's' };

describe('options', () => {
  it('fills every default', () => {
    const resolved = resolveOptions(base);
    expect(resolved).toMatchObject({ ...DEFAULTS, ...base });
    expect(resolved.maxAttempts).toBeUndefined();
  });

  it.each([
    [{ ...base, clientId: '' }, 'clientId'],
    [{ ...base, clientSecret: undefined }, 'clientSecret'],
    [{ ...base, subscriptionId: 42 }, 'subscriptionId'],
    [{ ...base, accountId: undefined }, 'accountId'],
    [{ ...base, wsUrl: 'https://zoom.us' }, 'wsUrl'],
    [{ ...base, oauthUrl: 'not a url' }, 'oauthUrl'],
    [{ ...base, heartbeatInterval: 0 }, 'heartbeatInterval'],
    [{ ...base, heartbeatTimeout: 1.5 }, 'heartbeatTimeout'],
    [{ ...base, backoffInitial: 5_000, backoffMax: 1_000 }, 'backoffMax'],
    [{ ...base, maxAttempts: 0 }, 'maxAttempts'],
    [{ ...base, grantType: 'password' }, 'grantType'],
    [{ ...base, logger: { info() {} } }, 'logger'],
    [{ ...base, heartbeatIntervall: 5 }, 'heartbeatIntervall'],
  ])('rejects %j naming %s, without echoing the secret', (options, field) => {
    let error: unknown;
    try {
      new ZoomWsClient(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ZoomWsConfigError);
    expect((error as ZoomWsConfigError).field).toBe(field);
    expect((error as Error).message).toContain(`"${field}"`);
    expect((error as Error).message).not.toContain('super-secret-1');
  });

  it('accepts client_credentials without an account id', () => {
    expect(resolveOptions({ ...base, accountId: undefined, grantType: 'client_credentials' }).grantType).toBe('client_credentials');
  });

  it('rejects a non-object', () => {
    expect(() => resolveOptions(null)).toThrow(ZoomWsConfigError);
  });
});

describe('duplicate filter', () => {
  it('passes everything while one socket delivers (even equal payloads: no lookup on the cheap path)', () => {
    const filter = new DuplicateFilter(4);
    expect(['a', 'b', 'a'].map((content) => filter.admit(content, 's1'))).toEqual([true, true, true]);
  });

  it('drops what the previous socket delivered once a second socket starts', () => {
    const filter = new DuplicateFilter(8);
    for (const content of ['e1', 'e2', 'e3']) filter.admit(content, 's1');
    expect(['e2', 'e3', 'e4'].map((content) => filter.admit(content, 's2'))).toEqual([false, false, true]);
    expect(filter.admit('e4', 's1')).toBe(false);
    expect(filter.admit('e5', 's1')).toBe(true);
  });

  it('remembers only `history` events', () => {
    const filter = new DuplicateFilter(2);
    for (const content of ['e1', 'e2', 'e3']) filter.admit(content, 's1');
    expect(filter.admit('e1', 's2')).toBe(true);
    expect(filter.admit('e3', 's2')).toBe(false);
  });

  it('history 0 disables it', () => {
    const filter = new DuplicateFilter(0);
    filter.admit('e1', 's1');
    expect(filter.admit('e1', 's2')).toBe(true);
  });
});

describe('event queue', () => {
  it('buffers, drains in order after end(), then finishes', async () => {
    let returned = 0;
    const queue = new EventQueue<number>(() => returned++);
    for (let i = 0; i < 3_000; i++) queue.push(i);
    const first = await queue.next();
    expect(first).toEqual({ value: 0, done: false });
    queue.end();
    const rest: number[] = [];
    for await (const value of queue) rest.push(value);
    expect(rest).toEqual([...Array(2_999).keys()].map((i) => i + 1));
    expect(returned).toBe(0);
  });

  it('a waiting consumer gets the next push; return() stops it', async () => {
    let returned = 0;
    const queue = new EventQueue<string>(() => returned++);
    const pending = queue.next();
    queue.push('x');
    expect(await pending).toEqual({ value: 'x', done: false });
    await queue.return();
    queue.push('y');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(returned).toBe(1);
  });
});

describe('redacting logger', () => {
  it('scrubs secrets from messages, extra arguments and errors', () => {
    const lines: unknown[][] = [];
    const target = { debug: (...a: unknown[]) => lines.push(a), info: (...a: unknown[]) => lines.push(a), warn: (...a: unknown[]) => lines.push(a), error: (...a: unknown[]) => lines.push(a) };
    const logger = createRedactingLogger(target, () => ['tok-SECRET-1']);
    logger.info('url wss://x/ws?subscriptionId=s&access_token=abc.def', { token: 'tok-SECRET-1' });
    logger.error('oops', new Error('tok-SECRET-1 leaked'));
    expect(JSON.stringify(lines)).not.toMatch(/tok-SECRET-1|abc\.def/);
    expect(lines[0]![0]).toBe('url wss://x/ws?subscriptionId=s&access_token=[redacted]');
  });
});
