import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  createZoomSimulator,
  DISPLACED_CONTENT,
  type SimulatorHookMap,
  type ZoomFrame,
  type ZoomSimulator,
  type ZoomSimulatorOptions,
} from '../../src/simulator/index.js';

/** A raw `ws` client that queues every frame and records how it closed. */
class TestClient {
  readonly frames: unknown[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  private read = 0;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = text;
      }
      this.frames.push(frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  /** The next unread frame; rejects if the socket closes first. */
  async next(): Promise<ZoomFrame> {
    while (this.read >= this.frames.length) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed before the next frame');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const frame = this.frames[this.read] as ZoomFrame;
    this.read += 1;
    return frame;
  }

  heartbeat(): void {
    this.socket.send('{"module":"heartbeat"}');
  }
}

const simulators: ZoomSimulator[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
});

async function start(options: ZoomSimulatorOptions = {}): Promise<ZoomSimulator> {
  const sim = await createZoomSimulator(options);
  simulators.push(sim);
  return sim;
}

async function fetchToken(sim: ZoomSimulator): Promise<string> {
  const { clientId, clientSecret, accountId } = sim.credentials;
  const response = await fetch(`${sim.oauthUrl}?grant_type=account_credentials&account_id=${accountId}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

function open(sim: ZoomSimulator, query: Record<string, string>): Promise<TestClient> {
  const socket = new WebSocket(`${sim.wsUrl}?${new URLSearchParams(query).toString()}`);
  sockets.push(socket);
  const client = new TestClient(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

/** Opens a connection with a fresh token and consumes its build_connection success. */
async function connect(sim: ZoomSimulator): Promise<TestClient> {
  const token = await fetchToken(sim);
  const client = await open(sim, { subscriptionId: sim.credentials.subscriptionId, access_token: token });
  expect(await client.next()).toMatchObject({ module: 'build_connection', success: true });
  return client;
}

function nextHook<K extends keyof SimulatorHookMap>(sim: ZoomSimulator, hook: K): Promise<SimulatorHookMap[K]> {
  return new Promise((resolve) => {
    const off = sim.on(hook, (info) => {
      off();
      resolve(info);
    });
  });
}

describe('build_connection', () => {
  it('accepts a valid token and subscription', async () => {
    const sim = await start();
    const connected = nextHook(sim, 'connection');
    const token = await fetchToken(sim);
    const client = await open(sim, { subscriptionId: sim.credentials.subscriptionId, access_token: token });

    const frame = await client.next();
    expect(frame).toEqual({ module: 'build_connection', success: true, content: expect.any(String), header: {} });
    expect(await connected).toMatchObject({ id: 1, live: true, stalled: false, closed: false });
    expect(sim.liveConnectionCount()).toBe(1);
    expect(sim.stats.connections).toBe(1);
  });

  it.each([
    ['a missing token', {}, 'token is empty'],
    ['an unknown token', { access_token: 'sim.forged' }, 'Invalid Token'],
  ])('refuses %s', async (_label, tokenQuery, content) => {
    const sim = await start();
    const client = await open(sim, { subscriptionId: sim.credentials.subscriptionId, ...tokenQuery });
    expect(await client.next()).toEqual({ module: 'build_connection', success: false, content, header: {} });
    expect((await client.closed).code).toBe(1000);
    expect(sim.stats).toMatchObject({ connections: 0, connectionsRefused: 1 });
  });

  it('refuses an unknown subscription with a clear content', async () => {
    const sim = await start();
    const client = await open(sim, { subscriptionId: 'nope', access_token: await fetchToken(sim) });
    const frame = await client.next();
    expect(frame.success).toBe(false);
    expect(frame.content).toMatch(/subscription/i);
  });

  it('uses the configured rejection wording for expired tokens', async () => {
    const sim = await start({ rejectionWording: 'Token is invalid' });
    const token = await fetchToken(sim);
    sim.faults.expireTokens();
    const client = await open(sim, { subscriptionId: sim.credentials.subscriptionId, access_token: token });
    expect(await client.next()).toMatchObject({ success: false, content: 'Token is invalid' });
  });

  it('refuses the next connections on demand, then accepts again', async () => {
    const sim = await start();
    sim.faults.refuseConnections(1, 'Service unavailable');
    const query = { subscriptionId: sim.credentials.subscriptionId, access_token: await fetchToken(sim) };
    const refused = await open(sim, query);
    expect(await refused.next()).toMatchObject({ module: 'build_connection', success: false, content: 'Service unavailable' });
    const accepted = await open(sim, query);
    expect(await accepted.next()).toMatchObject({ success: true });
  });

  it('survives garbage from the client', async () => {
    const sim = await start();
    const client = await connect(sim);
    client.socket.send('not json');
    client.socket.send('null');
    client.socket.send('{"module":42}');
    client.socket.send(Buffer.from([0, 1, 2]), { binary: true });
    client.socket.send('{"module":"something_else"}');
    client.heartbeat();
    expect(await client.next()).toEqual({ module: 'heartbeat', success: true, content: 'live', header: {} });
    expect(sim.stats.heartbeats).toBe(1);
  });
});

describe('heartbeats and events', () => {
  it('answers each heartbeat with live and never sends one unasked', async () => {
    const sim = await start();
    const client = await connect(sim);
    const heard = nextHook(sim, 'heartbeat');
    client.heartbeat();
    expect(await client.next()).toEqual({ module: 'heartbeat', success: true, content: 'live', header: {} });
    expect(await heard).toEqual({ id: 1, subscriptionId: 'sim-subscription', outcome: 'replied' });
    expect(sim.connections()[0]?.heartbeats).toBe(1);
    expect(client.frames).toHaveLength(2);
  });

  it('sends events as double-encoded message frames', async () => {
    const sim = await start();
    const client = await connect(sim);
    const event = { event: 'meeting.started', event_ts: 1706123456789, payload: { account_id: 'sim-account', object: { id: 1 } } };

    expect(sim.emit(event)).toBe(1);
    const frame = await client.next();
    expect(frame).toMatchObject({ module: 'message', success: true, header: {} });
    expect(typeof frame.content).toBe('string');
    expect(JSON.parse(frame.content)).toEqual(event);
    expect(sim.stats.eventsSent).toBe(1);
  });

  it('stamps event_ts when missing and counts events nobody receives as lost', async () => {
    const sim = await start();
    expect(sim.emit({ event: 'meeting.ended', payload: {} })).toBe(0);
    expect(sim.stats.eventsLost).toBe(1);

    const client = await connect(sim);
    const before = Date.now();
    sim.emit({ event: 'meeting.ended', payload: {} });
    const inner = JSON.parse((await client.next()).content) as { event_ts: number };
    expect(inner.event_ts).toBeGreaterThanOrEqual(before);
  });

  it('writes raw text for malformed-frame tests', async () => {
    const sim = await start();
    const client = await connect(sim);
    expect(sim.sendRaw('{oops')).toBe(1);
    expect(await client.next()).toBe('{oops');
  });

  it('plays a list of events in order and resolves done', async () => {
    const sim = await start();
    const client = await connect(sim);
    const events = [1, 2, 3].map((n) => ({ event: 'user.updated', event_ts: n, payload: { n } }));
    const playback = sim.play(events, { intervalMs: 5 });
    await playback.done;
    const received = await Promise.all([client.next(), client.next(), client.next()]);
    expect(received.map((frame) => JSON.parse(frame.content).event_ts)).toEqual([1, 2, 3]);
  });

  it('stops a looping playback, restamping each event', async () => {
    const sim = await start();
    const client = await connect(sim);
    const playback = sim.play([{ event: 'user.updated', event_ts: 1, payload: {} }], { intervalMs: 1, loop: true });
    const first = JSON.parse((await client.next()).content).event_ts as number;
    await client.next();
    playback.stop();
    await playback.done;
    expect(first).toBeGreaterThan(1);
  });
});

describe('one connection per subscription', () => {
  it('closes the older connection with the reason by default', async () => {
    const sim = await start();
    const older = await connect(sim);
    const newer = await connect(sim);

    expect(await older.closed).toEqual({ code: 1000, reason: DISPLACED_CONTENT });
    expect(older.frames).toHaveLength(1);
    expect(sim.stats.displaced).toBe(1);
    expect(sim.liveConnectionCount()).toBe(1);
    expect(sim.emit({ event: 'meeting.started', payload: {} })).toBe(1);
    expect((await newer.next()).module).toBe('message');
  });

  it('sends a frame first with the frame style', async () => {
    const sim = await start({ displacementStyle: 'frame', displacementCloseCode: 4001 });
    const older = await connect(sim);
    await connect(sim);
    expect(await older.next()).toEqual({ module: 'build_connection', success: false, content: DISPLACED_CONTENT, header: {} });
    expect(await older.closed).toEqual({ code: 4001, reason: '' });
  });

  it('sends the frame and the reason with the both style', async () => {
    const sim = await start({ displacementStyle: 'both' });
    const older = await connect(sim);
    sim.faults.displace();
    expect((await older.next()).content).toBe(DISPLACED_CONTENT);
    expect(await older.closed).toEqual({ code: 1000, reason: DISPLACED_CONTENT });
    expect(sim.liveConnectionCount()).toBe(0);
  });
});

describe('token revocation and expiry', () => {
  it('rejects the next heartbeat of an open connection after revokeTokens, then closes it', async () => {
    const sim = await start();
    const client = await connect(sim);
    sim.faults.revokeTokens();
    client.heartbeat();
    expect(await client.next()).toEqual({ module: 'heartbeat', success: false, content: 'Invalid Token', header: {} });
    expect((await client.closed).code).toBe(1000);
    // A new token works again: revocation only affects tokens issued before it.
    await connect(sim);
  });

  it('refuses new connections with a revoked token', async () => {
    const sim = await start({ rejectionWording: 'Token is invalid' });
    const token = await fetchToken(sim);
    sim.faults.revokeTokens();
    const client = await open(sim, { subscriptionId: sim.credentials.subscriptionId, access_token: token });
    expect(await client.next()).toMatchObject({ module: 'build_connection', success: false, content: 'Token is invalid' });
  });

  it('keeps open sockets alive after expiry by default', async () => {
    const sim = await start();
    const client = await connect(sim);
    sim.faults.expireTokens();
    client.heartbeat();
    expect(await client.next()).toMatchObject({ module: 'heartbeat', success: true });
  });

  it('closes open sockets on expiry with closeOnTokenExpiry', async () => {
    const sim = await start({ closeOnTokenExpiry: true });
    const client = await connect(sim);
    sim.faults.expireTokens();
    expect(await client.closed).toEqual({ code: 1000, reason: 'Invalid Token' });
  });

  it('closes a socket when its token expires naturally with closeOnTokenExpiry', async () => {
    const sim = await start({ closeOnTokenExpiry: true, tokenTtlSeconds: 0.2 });
    const client = await connect(sim);
    expect((await client.closed).reason).toBe('Invalid Token');
  });
});

describe('socket faults', () => {
  it('stall: no heartbeat replies, no events, new connections work', async () => {
    const sim = await start();
    const stalled = await connect(sim);
    sim.faults.stall();
    expect(sim.connections()[0]).toMatchObject({ stalled: true, live: false });

    const ignored = nextHook(sim, 'heartbeat');
    stalled.heartbeat();
    expect(await ignored).toMatchObject({ outcome: 'ignored' });
    expect(sim.emit({ event: 'meeting.started', payload: {} })).toBe(0);
    expect(sim.stats.eventsLost).toBe(1);

    // The replacement displaces the stalled socket silently (it is sent nothing, not even a close frame).
    const fresh = await connect(sim);
    expect((await stalled.closed).code).toBe(1006);
    expect(stalled.frames).toHaveLength(1);
    fresh.heartbeat();
    expect(await fresh.next()).toMatchObject({ module: 'heartbeat', success: true });
  });

  it('resume: a stalled socket is answered again', async () => {
    const sim = await start();
    const client = await connect(sim);
    sim.faults.stall();
    const ignored = nextHook(sim, 'heartbeat');
    client.heartbeat();
    await ignored;
    sim.faults.resume();
    client.heartbeat();
    expect(await client.next()).toMatchObject({ module: 'heartbeat', success: true });
    expect(client.frames).toHaveLength(2);
  });

  it('drop: the client sees 1006', async () => {
    const sim = await start();
    const client = await connect(sim);
    const closedOnServer = nextHook(sim, 'close');
    sim.faults.drop();
    expect((await client.closed).code).toBe(1006);
    expect(await closedOnServer).toMatchObject({ id: 1, code: 1006 });
    expect(sim.connections()[0]).toMatchObject({ closed: true, live: false });
  });

  it('close: uses the given code and reason, and refuses unsendable codes', async () => {
    const sim = await start();
    const client = await connect(sim);
    expect(() => sim.faults.close(1006)).toThrow(RangeError);
    sim.faults.close(1011, 'server restart');
    expect(await client.closed).toEqual({ code: 1011, reason: 'server restart' });
  });
});
