import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ZoomWsClient, ZoomWsConfigError, type InspectionMessage } from '../../src/index.js';
import { useHarness } from '../support/harness.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';

const SECRET = 'inspect-secret-XYZ-123';

/** Every token the simulator hands out, to prove none of them is in an inspection message. */
function collectTokens(sim: { on(hook: 'token', listener: (info: { accessToken: string }) => void): () => void }): string[] {
  const tokens: string[] = [];
  sim.on('token', ({ accessToken }) => tokens.push(accessToken));
  return tokens;
}

function rootSnapshots(messages: InspectionMessage[]) {
  return messages.filter((m): m is Extract<InspectionMessage, { type: '@xstate.snapshot' }> => m.type === '@xstate.snapshot' && m.sessionId === m.rootId);
}

describe('client option inspect', () => {
  const harness = useHarness();

  it('sends redacted @xstate.actor/event/snapshot messages to a function, the final `closed` snapshot included', async () => {
    const messages: InspectionMessage[] = [];
    const h = await harness({ inspect: (message) => messages.push(message) }, { clientSecret: SECRET });
    const tokens = collectTokens(h.sim);
    await h.client.start();
    h.sim.faults.drop(); // a reconnect: SOCKET.DOWN events, a second socket, a cached token in context
    await h.reach('backoff');
    await h.reach('open');
    await h.client.stop();

    const root = messages.find((m) => m.type === '@xstate.actor' && m.parentId === undefined);
    expect(root).toMatchObject({ type: '@xstate.actor', name: 'zoomWs', _version: '0.7.2' });
    expect(JSON.parse((root as { definition: string }).definition)).toMatchObject({ id: 'zoomWs', initial: 'idle' });
    expect(messages.some((m) => m.type === '@xstate.actor' && m.name === 'socket-2' && m.parentId === root!.sessionId)).toBe(true);
    expect(messages.some((m) => m.type === '@xstate.event' && m.event.type === 'SOCKET.DOWN')).toBe(true);
    const values = rootSnapshots(messages).map((m) => m.snapshot.value);
    expect(values).toContainEqual({ connection: { open: { liveness: 'quiet', refresh: 'scheduled' } } });
    expect(values).toContain('backoff');
    expect(values.at(-1)).toBe('closed');
    const openContext = rootSnapshots(messages).find((m) => m.event.type === 'SOCKET.READY')!.snapshot.context as { token: { value: string; expiresAt: number } };
    expect(openContext.token.value).toBe('[redacted]');
    expect(openContext.token.expiresAt).toBeGreaterThan(Date.now());

    const text = JSON.stringify(messages);
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [SECRET, ...tokens]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/access_token=(?!\[redacted\])/);
  });

  it('keeps the client working when the inspect function throws, and says so once', async () => {
    let calls = 0;
    const h = await harness({
      inspect: () => {
        calls++;
        throw new Error('observer bug');
      },
    });
    await h.client.start();
    await h.client.stop();
    expect(calls).toBeGreaterThan(5);
    expect(h.logs.filter((line) => line.message.includes('Inspection failed'))).toEqual([{ level: 'warn', message: 'Inspection failed; the client carries on: observer bug' }]);
  });

  it('streams JSON messages to a ws:// URL and closes that socket on stop, leaving no handle behind', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const received: InspectionMessage[] = [];
    let inspectorSocket: WebSocket | undefined;
    let closedWith: number | undefined;
    server.on('connection', (socket) => {
      inspectorSocket = socket;
      socket.on('message', (data) => received.push(JSON.parse(data.toString()) as InspectionMessage));
      socket.on('close', (code) => (closedWith = code));
    });
    const baseline = liveHandles();
    const h = await harness({ inspect: `ws://127.0.0.1:${(server.address() as { port: number }).port}/inspect` }, { clientSecret: SECRET });
    const tokens = collectTokens(h.sim);
    await h.client.start();
    await eventually(() => (rootSnapshots(received).some((m) => m.event.type === 'SOCKET.READY') ? undefined : 'no open snapshot yet'), 'the open snapshot');
    await h.client.stop();
    await h.sim.stop();

    expect(rootSnapshots(received).at(-1)!.snapshot.value).toBe('closed');
    await eventually(() => (closedWith === 1000 ? undefined : `close code ${closedWith}`), 'the inspector socket to close');
    expect(inspectorSocket).toBeDefined();
    expect(await leakedHandles(baseline)).toEqual([]);
    const text = JSON.stringify(received);
    for (const secret of [SECRET, ...tokens]) expect(text).not.toContain(secret);
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['http://127.0.0.1:1/inspect'],
    ['not a url'],
    [42],
  ])('rejects inspect %j naming the option', (inspect) => {
    const create = () => new ZoomWsClient({ accountId: 'a', clientId: 'c', clientSecret: 's', subscriptionId: 'x', inspect: inspect as string });
    expect(create).toThrow(ZoomWsConfigError);
    expect(create).toThrow('Invalid option "inspect": must be a ws:// or wss:// URL or a function');
  });
});
