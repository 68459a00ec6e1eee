import { connect as netConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';

async function fetchToken(sim: ZoomSimulator): Promise<string> {
  const { clientId, clientSecret } = sim.credentials;
  const response = await fetch(`${sim.oauthUrl}?grant_type=client_credentials`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

function connectUrl(sim: ZoomSimulator, token: string): string {
  return `${sim.wsUrl}?subscriptionId=${sim.credentials.subscriptionId}&access_token=${token}`;
}

/** Resolves with the HTTP status of a refused upgrade, or rejects with the client error. */
function upgradeStatus(url: string, handshakeTimeout = 2_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.on('error', reject);
    socket.on('open', () => {
      socket.terminate();
      resolve(101);
    });
  });
}

/** A raw TCP client sending an upgrade request, for upgrades nobody will ever answer. */
function rawUpgrade(sim: ZoomSimulator): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(sim.port, '127.0.0.1', () => {
      socket.write(
        `GET /ws?subscriptionId=x&access_token=y HTTP/1.1\r\nHost: 127.0.0.1:${sim.port}\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resource of process.getActiveResourcesInfo()) counts.set(resource, (counts.get(resource) ?? 0) + 1);
  return counts;
}

/** Resource kinds of which there are more now than in `baseline`. */
function leakedSince(baseline: Map<string, number>): string[] {
  const leaked: string[] = [];
  for (const [resource, count] of resourceCounts()) {
    if (count > (baseline.get(resource) ?? 0)) leaked.push(`${resource} x${count - (baseline.get(resource) ?? 0)}`);
  }
  return leaked;
}

/** Polls `condition` each event-loop turn: client-side sockets close a few turns after the server's. */
async function eventually(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
}

describe('upgrade faults', () => {
  it('rejectUpgrades answers plain HTTP statuses, then upgrades again', async () => {
    const sim = await createZoomSimulator();
    try {
      const url = connectUrl(sim, await fetchToken(sim));
      sim.faults.rejectUpgrades(2, 503);
      sim.faults.rejectUpgrades(1, 401);
      expect(await upgradeStatus(url)).toBe(503);
      expect(await upgradeStatus(url)).toBe(503);
      expect(await upgradeStatus(url)).toBe(401);
      expect(await upgradeStatus(url)).toBe(101);
      expect(sim.stats.upgrades).toBe(4);
    } finally {
      await sim.stop();
    }
  });

  it('answers 404 to upgrades on another path', async () => {
    const sim = await createZoomSimulator();
    try {
      expect(await upgradeStatus(sim.wsUrl.replace('/ws', '/elsewhere'))).toBe(404);
    } finally {
      await sim.stop();
    }
  });

  it('hangUpgrades never answers: the client hits its own handshake timeout', async () => {
    const sim = await createZoomSimulator();
    try {
      const url = connectUrl(sim, await fetchToken(sim));
      sim.faults.hangUpgrades(1);
      await expect(upgradeStatus(url, 150)).rejects.toThrow(/handshake has timed out/);
      expect(await upgradeStatus(url)).toBe(101);
    } finally {
      await sim.stop();
    }
  });

  it('stop() destroys hung upgrade sockets', async () => {
    const sim = await createZoomSimulator();
    sim.faults.hangUpgrades(1);
    const socket = await rawUpgrade(sim);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await eventually(() => sim.stats.upgrades === 1);
    await sim.stop();
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});

describe('stop()', () => {
  it('releases servers, sockets, timers and slow responses', async () => {
    const baseline = resourceCounts();
    const sim = await createZoomSimulator({ closeOnTokenExpiry: true });

    const token = await fetchToken(sim);
    const socket = new WebSocket(connectUrl(sim, token));
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('message', resolve));

    sim.faults.hangUpgrades(1);
    const hung = await rawUpgrade(sim);
    hung.on('error', () => {});

    sim.faults.slowTokenRequests(60_000);
    const slowRequest = fetchToken(sim).catch((error: unknown) => error);
    await eventually(() => sim.stats.tokenRequests === 2);

    const playback = sim.play([{ event: 'user.updated', payload: {} }], { intervalMs: 60_000, loop: true });

    await sim.stop();
    await sim.stop(); // idempotent
    await playback.done;
    await socketClosed;
    expect(await slowRequest).toBeInstanceOf(Error);

    await eventually(() => leakedSince(baseline).length === 0);
    expect(leakedSince(baseline)).toEqual([]);
  });

  it('rejects when the port is taken', async () => {
    const sim = await createZoomSimulator();
    try {
      await expect(createZoomSimulator({ port: sim.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await sim.stop();
    }
  });

  it('exposes URLs, credentials and CLI env', async () => {
    const sim = await createZoomSimulator({ accountId: 'acc', subscriptionId: 'sub' });
    try {
      expect(sim.oauthUrl).toBe(`http://127.0.0.1:${sim.port}/oauth/token`);
      expect(sim.wsUrl).toBe(`ws://127.0.0.1:${sim.port}/ws`);
      expect(sim.env).toEqual({
        ZOOM_ACCOUNT_ID: 'acc',
        ZOOM_CLIENT_ID: 'sim-client',
        ZOOM_CLIENT_SECRET: 'sim-secret',
        ZOOM_SUBSCRIPTION_ID: 'sub',
        ZOOM_OAUTH_URL: sim.oauthUrl,
        ZOOM_WS_URL: sim.wsUrl,
      });
    } finally {
      await sim.stop();
    }
  });
});
