/**
 * Regressions (issue 3, part 5): bugs other WebSocket clients shipped — each a named test against the real
 * client, the simulator and loopback sockets. Waiting is on conditions, never on sleeps that must be "long
 * enough"; the gates of `test/support/gates.ts` hold the world still where a test needs a precise moment.
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Outage } from '../../machines/connection.types.js';
import { ClientStoppedError, ZoomWsClient, type ZoomWsClientOptions } from '../../src/index.js';
import { createZoomSimulator, type ZoomSimulator, type ZoomSimulatorOptions } from '../../src/simulator/index.js';
import { TokenGate, WsGate } from '../support/gates.js';
import { startRawZoomServer, type RawZoomServer } from '../support/raw-zoom-server.js';
import { recordSummary } from '../support/summary.js';
import { clientLeaks, eventually, handleBaseline, type HandleBaseline } from '../support/wait.js';

interface World {
  sim: ZoomSimulator;
  tokenGate: TokenGate;
  wsGate: WsGate;
  client: ZoomWsClient;
  logs: string[];
  states: string[];
  outages: Outage[];
  baseline: HandleBaseline;
  /** Ports of the far ends (simulator, gates). */
  serverPorts: number[];
  rejections: unknown[];
}

interface Flags {
  /** Token requests and upgrades go through at once instead of waiting for the test. */
  passThrough?: boolean;
  sim?: ZoomSimulatorOptions;
}

/** A client behind gates: token requests and upgrades wait for the test unless `passThrough`. */
async function world(options: Partial<ZoomWsClientOptions> = {}, { passThrough = false, sim: simOptions = {} }: Flags = {}): Promise<World> {
  const sim = await createZoomSimulator(simOptions);
  const tokenGate = await TokenGate.start(sim.oauthUrl);
  tokenGate.passThrough = passThrough;
  const wsGate = await WsGate.start(sim.wsUrl, { passThrough });
  const baseline = handleBaseline();
  const serverPorts = [sim.port, Number(new URL(tokenGate.url).port), Number(new URL(wsGate.url).port)];
  const logs: string[] = [];
  const log = (message: string) => logs.push(message);
  const client = new ZoomWsClient({
    ...sim.credentials,
    oauthUrl: tokenGate.url,
    wsUrl: wsGate.url,
    heartbeatInterval: 1_000,
    heartbeatTimeout: 1_000,
    backoffInitial: 20,
    backoffMax: 20,
    connectTimeout: 5_000,
    tokenTimeout: 5_000,
    closeTimeout: 300,
    logger: { debug: log, info: log, warn: log, error: log },
    ...options,
  });
  const states: string[] = [client.state];
  client.onStateChange(({ to }) => states.push(to));
  const outages: Outage[] = [];
  client.onOutage((outage) => outages.push(outage));
  const rejections: unknown[] = [];
  return { sim, tokenGate, wsGate, client, logs, states, outages, baseline, serverPorts, rejections };
}

const worlds: World[] = [];
const onRejection = (reason: unknown) => worlds.at(-1)?.rejections.push(reason);

async function open(options: Partial<ZoomWsClientOptions> = {}, flags: Flags = {}): Promise<World> {
  const w = await world(options, flags);
  worlds.push(w);
  return w;
}

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    await w.client.stop();
    await w.wsGate.close();
    await w.tokenGate.close();
    await w.sim.stop();
  }
});
process.on('unhandledRejection', onRejection);
afterAll(() => {
  process.off('unhandledRejection', onRejection);
});

async function expectNoClientLeaks(w: World): Promise<void> {
  await eventually(() => {
    const leaked = clientLeaks(w.baseline, w.serverPorts);
    return leaked.length === 0 ? undefined : `leaked: ${leaked.join(', ')}`;
  }, 'no socket or timer of the client left');
}

/** What stop() must leave: closed, no socket or timer of the client, no unhandled rejection. */
async function expectCleanStop(w: World, started: Promise<unknown>): Promise<void> {
  await w.client.stop();
  expect(w.client.state).toBe('closed');
  expect(await started.then(() => 'resolved', (error: unknown) => error)).toBeInstanceOf(ClientStoppedError);
  await expectNoClientLeaks(w);
  await eventually(() => (w.wsGate.connections.every((connection) => connection.closed) ? undefined : 'a socket is still open at the gate'), 'sockets closed');
  expect(w.tokenGate.pending).toBe(0);
  expect(w.rejections).toEqual([]);
}

describe('regressions from other clients’ bug trackers', () => {
  it.each([
    ['a protocol error (reserved opcode)', (tcp: Socket) => tcp.write(Buffer.from([0x8f, 0x00]))],
    ['an oversized frame (1009)', (tcp: Socket) => tcp.write(Buffer.concat([Buffer.from([0x81, 127]), Buffer.alloc(8, 0xff)]))],
    ['a reset connection (ECONNRESET)', (tcp: Socket) => tcp.resetAndDestroy()],
    ['invalid UTF-8 in a text frame (1007)', (tcp: Socket) => tcp.write(Buffer.from([0x81, 0x02, 0xc3, 0x28]))],
  ])('error and close together schedule exactly one reconnect: %s', async (_, breakIt) => {
    let connections = 0;
    const raw: RawZoomServer = await startRawZoomServer((socket: WebSocket) => {
      connections++;
      if (connections === 1) setImmediate(() => breakIt((socket as unknown as { _socket: Socket })._socket));
    });
    try {
      const w = await open({ wsUrl: raw.wsUrl, maxPayload: 64 * 1024 }, { passThrough: true });
      await w.client.start();
      await eventually(() => (connections === 2 && w.client.state === 'open' ? undefined : `${connections} connections, ${w.client.state}`), 'one reconnect');
      // Give a second (wrong) retry every chance to show up: the backoff is 20 ms; wait for 5 heartbeats of the loop.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(w.states.filter((state) => state === 'backoff')).toHaveLength(1);
      expect(w.logs.filter((line) => line.startsWith('Retrying'))).toHaveLength(1);
      expect(connections).toBe(2);
    } finally {
      await raw.close();
    }
  });

  it('stop() during the token fetch aborts it and leaves no timer, socket or rejection', async () => {
    const w = await open();
    const started = w.client.start();
    await eventually(() => (w.tokenGate.pending === 1 ? undefined : 'no token request yet'), 'token request held');
    await expectCleanStop(w, started);
  });

  it('stop() during the WebSocket handshake leaves no timer, socket or rejection', async () => {
    const w = await open();
    const started = w.client.start();
    await eventually(() => (w.tokenGate.pending === 1 ? undefined : 'waiting'), 'token request');
    await w.tokenGate.release();
    await eventually(() => (w.wsGate.held().length === 1 && w.client.state === 'connecting' ? undefined : 'no upgrade yet'), 'upgrade held');
    await expectCleanStop(w, started);
  });

  it('stop() during the handshake, once the server accepted but before the client heard back, leaves nothing', async () => {
    const w = await open();
    const started = w.client.start();
    await eventually(() => (w.tokenGate.pending === 1 ? undefined : 'waiting'), 'token request');
    await w.tokenGate.release();
    await eventually(() => (w.wsGate.held().length === 1 ? undefined : 'no upgrade yet'), 'upgrade held');
    const connection = w.wsGate.held()[0]!;
    connection.freeze();
    connection.release();
    await eventually(() => (w.sim.connections().length === 1 ? undefined : 'not accepted yet'), 'accepted by the simulator');
    await expectCleanStop(w, started);
  });

  it('stop() during the backoff wait cancels it and leaves no timer, socket or rejection', async () => {
    const w = await open({ backoffInitial: 60_000, backoffMax: 60_000 }, { passThrough: true });
    w.sim.faults.failTokenRequests(1, { status: 503 });
    const started = w.client.start();
    await eventually(() => (w.client.state === 'backoff' ? undefined : w.client.state), 'backoff');
    await expectCleanStop(w, started);
  });

  it.each([400, 401, 403, 404, 429, 500, 502, 503])('a handshake refused with HTTP %i leaks no socket', async (status) => {
    const w = await open({}, { passThrough: true });
    w.sim.faults.rejectUpgrades(3, status);
    await w.client.start();
    // Three refused handshakes, then a live connection: every refused one is closed at both ends.
    expect(w.wsGate.connections).toHaveLength(4);
    await eventually(() => (w.wsGate.connections.slice(0, 3).every((connection) => connection.closed) ? undefined : 'a refused socket is still open'), 'refused sockets closed');
    expect(w.sim.connections().filter((connection) => !connection.closed)).toHaveLength(1);
    const reason = status === 401 || status === 403 ? 'token-rejected' : 'handshake-failed';
    expect(w.logs.filter((line) => line.includes(`after ${reason}: handshake refused with HTTP ${status}`))).toHaveLength(3);
    await w.client.stop();
    await expectNoClientLeaks(w);
  });

  it('a server that accepts the TCP connection but never answers the handshake hits the connect timeout', async () => {
    const w = await open({ connectTimeout: 150 }, { passThrough: true });
    w.sim.faults.hangUpgrades(1);
    const t0 = performance.now();
    await w.client.start();
    const elapsed = performance.now() - t0;
    expect(w.logs.some((line) => /after connect-timeout: no build_connection in time/.test(line))).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    // The hung socket was let go of, at both ends.
    expect(w.wsGate.connections[0]!.closed).toBe(true);
    await eventually(() => (w.sim.connections().filter((connection) => !connection.closed).length === 1 ? undefined : 'extra sockets'), 'only the live socket');
  });

  it('a socket promoted by a handover while a heartbeat is unanswered proves itself (it is not declared dead)', async () => {
    // Tokens of 1.2 s with a 1 s margin: the refresh is due after 600 ms.
    const w = await open({ refreshMargin: 1_000, heartbeatInterval: 100, heartbeatTimeout: 400 }, { sim: { tokenTtlSeconds: 1.2 } });
    const { client, sim, wsGate } = w;
    const started = client.start();
    await eventually(() => (w.tokenGate.pending === 1 ? undefined : 'waiting'), 'first token request');
    await w.tokenGate.release();
    await eventually(() => (wsGate.held().length === 1 ? undefined : 'waiting'), 'first upgrade');
    wsGate.held()[0]!.release();
    await started;
    w.tokenGate.passThrough = true;
    // The old socket goes silent; a heartbeat goes unanswered.
    await eventually(() => (client.actor.getSnapshot().matches({ connection: { open: { refresh: 'rotating' } } }) ? undefined : 'no rotation yet'), 'rotation', 3_000);
    sim.faults.stall();
    await eventually(() => (client.actor.getSnapshot().matches({ connection: { open: { liveness: 'awaitingFrame' } } }) ? undefined : 'heartbeat answered'), 'an unanswered heartbeat', 3_000);
    // Zoom accepts the new socket and displaces the old one; the old one hears it before the new one's handshake completes.
    sim.faults.resume();
    // The rotation's upgrade may reach the gate only now on a loaded machine: wait for it rather than assume it.
    await eventually(() => (wsGate.held().length === 1 ? undefined : 'the new socket has not reached the server'), 'the rotation upgrade');
    const fresh = wsGate.held()[0]!;
    fresh.freeze();
    fresh.release();
    await eventually(() => (client.stats.rotations === 1 ? undefined : 'not handed over'), 'handover');
    fresh.thaw();
    await eventually(() => (client.actor.getSnapshot().matches({ connection: { open: { liveness: 'quiet' } } }) ? undefined : 'still waiting for a frame'), 'the new socket answers a heartbeat');
    expect(w.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
    expect(w.outages).toEqual([]);
  });

  it('an outage of a silent connection starts at its last sign of life, so it covers what Zoom dropped before the timeout', async () => {
    const w = await open({ heartbeatInterval: 30, heartbeatTimeout: 150 }, { passThrough: true });
    await w.client.start();
    const lastEvent = Date.now();
    w.sim.emit({ event: 'meeting.started', payload: {} });
    await eventually(() => (w.client.stats.events === 1 ? undefined : 'no event'), 'delivery');
    w.sim.faults.stall();
    const stalledAt = Date.now();
    const lost: number[] = [];
    await eventually(() => {
      if (w.sim.emit({ event: 'meeting.ended', payload: {} }) === 0) lost.push(Date.now());
      return w.client.state === 'backoff' ? undefined : w.client.state;
    }, 'dead connection noticed');
    await eventually(() => (w.outages.length === 1 ? undefined : 'no outage yet'), 'reconnected');
    const [outage] = w.outages;
    expect(outage!.reason).toBe('dead');
    expect(outage!.from).toBeLessThanOrEqual(stalledAt);
    expect(outage!.from).toBeGreaterThanOrEqual(lastEvent - 100);
    expect(lost.length).toBeGreaterThan(0);
    for (const at of lost) expect(at).toBeGreaterThanOrEqual(outage!.from);
  });

  it('jitter spreads the reconnects of 100 clients that lost Zoom at the same moment', async () => {
    const CLIENTS = 100;
    const BACKOFF = 200;
    const sim = await createZoomSimulator();
    let droppedAt = 0;
    const raw = await startRawZoomServer(() => {});
    const clients: ZoomWsClient[] = [];
    const reconnectAt = new Map<ZoomWsClient, number>();
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const client = new ZoomWsClient({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: raw.wsUrl, backoffInitial: BACKOFF, backoffMax: BACKOFF, heartbeatInterval: 10_000 });
        let drops = 0;
        client.onStateChange(({ to }) => {
          if (to === 'backoff') drops++;
          if (to === 'open' && drops === 1) reconnectAt.set(client, performance.now());
        });
        clients.push(client);
      }
      await Promise.all(clients.map((client) => client.start()));
      droppedAt = performance.now();
      for (const socket of raw.server.clients) socket.terminate();
      await eventually(() => (reconnectAt.size === CLIENTS ? undefined : `${reconnectAt.size}/${CLIENTS} reconnected`), 'every client reconnected', 10_000);
    } finally {
      await Promise.all(clients.map((client) => client.stop()));
      await raw.close();
      await sim.stop();
    }
    const delays = [...reconnectAt.values()].map((at) => at - droppedAt).sort((a, b) => a - b);
    const quantile = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!;
    const mean = delays.reduce((sum, delay) => sum + delay, 0) / delays.length;
    const stdev = Math.sqrt(delays.reduce((sum, delay) => sum + (delay - mean) ** 2, 0) / delays.length);
    const spread = { clients: CLIENTS, window: `[${BACKOFF / 2}, ${BACKOFF}) ms`, minMs: Math.round(delays[0]!), p10Ms: Math.round(quantile(0.1)), p50Ms: Math.round(quantile(0.5)), p90Ms: Math.round(quantile(0.9)), maxMs: Math.round(delays.at(-1)!), stdevMs: Math.round(stdev) };
    recordSummary('jitter', `jitter: 100 clients reconnected between ${spread.minMs} and ${spread.maxMs} ms after a common drop (p10 ${spread.p10Ms}, p50 ${spread.p50Ms}, p90 ${spread.p90Ms}, stdev ${spread.stdevMs} ms)`, spread);
    // Jittered into [d/2, d): never before d/2, and spread over most of the window rather than bunched.
    expect(delays[0]).toBeGreaterThanOrEqual(BACKOFF / 2);
    expect(quantile(0.9) - quantile(0.1)).toBeGreaterThan(BACKOFF / 4);
    expect(stdev).toBeGreaterThan(BACKOFF / 12);
  });
});
