import { createWebSocketInspector } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createActor, createMachine, type InspectionEvent, type Observer } from 'xstate';
import { createRedactingInspector, type InspectionMessage } from '../../src/index.js';
import { startVisualizerServer, type VisualizerServer } from '../../src/visualizer-server/server.js';
import { eventually } from '../support/wait.js';

// Our inspector mirrors the `@statelyai/inspect` wire format instead of using its adapter (which retries an
// unreachable URL forever and keeps the process alive). These tests hold the two against each other.

const toggle = createMachine({
  id: 'toggle',
  context: { count: 0 },
  initial: 'off',
  states: { off: { on: { FLIP: 'on' } }, on: { on: { FLIP: 'off' } } },
});

type Received = { type: string; [key: string]: unknown };

/** Runs the toggle machine through two flips with `inspect`, then stops it. */
function runToggle(inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void)): void {
  const actor = createActor(toggle, { inspect });
  actor.start();
  actor.send({ type: 'FLIP' });
  actor.send({ type: 'FLIP' });
  actor.stop();
}

/** A loopback WebSocket server that collects every JSON message it receives. */
async function collectingServer(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const received: Received[] = [];
  server.on('connection', (socket) => socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Received)));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

const snapshotsIn = (messages: Received[]) => messages.filter((m) => m.type === '@xstate.snapshot').length;

const shapeOf = (messages: Received[]) =>
  Object.fromEntries(
    ['@xstate.actor', '@xstate.event', '@xstate.snapshot'].map((type) => [type, Object.keys(messages.find((m) => m.type === type) ?? {}).sort()]),
  );

describe('compatibility with @statelyai/inspect', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('our messages have the same types and fields as those @statelyai/inspect sends for the same run', async () => {
    const theirs = await collectingServer();
    cleanups.push(() => theirs.close());
    const stately = createWebSocketInspector({ url: theirs.url });
    cleanups.push(() => stately.stop());
    runToggle(stately.inspect);
    // It sends once connected, from a timer.
    await eventually(() => (snapshotsIn(theirs.received) >= 3 ? undefined : `${snapshotsIn(theirs.received)} snapshots`), '@statelyai/inspect to send 3 snapshots');

    const ours: InspectionMessage[] = [];
    const inspector = createRedactingInspector((message) => ours.push(message));
    runToggle(inspector.inspect);
    await inspector.stop();

    // What our WebSocket transport puts on the wire (JSON drops the fields that are undefined, as theirs does).
    const oursReceived = ours.map((message) => JSON.parse(JSON.stringify(message)) as Received);
    expect(new Set(oursReceived.map((m) => m.type))).toEqual(new Set(theirs.received.map((m) => m.type)));
    expect(shapeOf(oursReceived)).toEqual(shapeOf(theirs.received));
    const valuesOf = (messages: Received[]) => messages.filter((m) => m.type === '@xstate.snapshot').map((m) => (m.snapshot as { value: unknown }).value);
    expect(valuesOf(oursReceived)).toEqual(valuesOf(theirs.received));
  });

  it('the visualizer relays what @statelyai/inspect sends to its pages, so any inspected service can attach', async () => {
    const server: VisualizerServer = await startVisualizerServer({ mode: 'attach' });
    cleanups.push(() => server.close());
    const page = new WebSocket(`ws://127.0.0.1:${server.port}/ui?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    const seen: Received[] = [];
    page.on('message', (data) => seen.push(JSON.parse(data.toString()) as Received));
    await new Promise<void>((resolve, reject) => {
      page.once('open', () => resolve());
      page.once('error', reject);
    });
    cleanups.push(() => page.terminate());

    const stately = createWebSocketInspector({ url: server.inspectUrl });
    cleanups.push(() => stately.stop());
    runToggle(stately.inspect);

    await eventually(() => (snapshotsIn(seen) >= 3 ? undefined : `${snapshotsIn(seen)} snapshots`), 'the page to get 3 snapshots');
    expect(seen.some((m) => m.type === '@xstate.actor')).toBe(true);
    const values = seen.filter((m) => m.type === '@xstate.snapshot').map((m) => (m.snapshot as { value: unknown }).value);
    expect(values).toEqual(expect.arrayContaining(['off', 'on']));
  });
});
