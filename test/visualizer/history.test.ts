import { describe, expect, it } from 'vitest';
// @ts-expect-error: the page's own module (plain JS, no types), tested as the browser runs it.
import { History } from '../../visualizer/history.js';

type Entry = { value: unknown; event: string; context?: Record<string, unknown>; at?: number };
const add = (history: InstanceType<typeof History>, entries: Entry[]) =>
  entries.forEach((entry, n) => history.add({ at: n, status: 'active', context: {}, stats: undefined, session: 's', machine: 'zoomWs', ...entry }));

const OPEN = { connection: { open: { liveness: 'quiet', refresh: 'scheduled' } } };

describe('page history: stepping through what a person can see', () => {
  it('one step back shows the previous visible change, skipping snapshots that look the same', () => {
    const history = new History();
    add(history, [
      { value: 'idle', event: 'xstate.init' },
      { value: 'authenticating', event: 'START' },
      { value: { connection: 'connecting' }, event: 'xstate.done.actor.fetchToken' },
      { value: OPEN, event: 'SOCKET.READY' },
      { value: OPEN, event: 'SOCKET.FRAME', context: { lastAliveAt: 1 } },
      { value: OPEN, event: 'SOCKET.FRAME', context: { lastAliveAt: 2 } },
      { value: 'backoff', event: 'SOCKET.DOWN', context: { attempt: 1 } },
      { value: 'backoff', event: 'HEARTBEAT.DUE', context: { attempt: 1, lastAliveAt: 3 } },
    ]);
    expect(history.cause().event).toBe('SOCKET.DOWN');
    expect(history.runLength()).toBe(2);
    history.stepBack();
    expect(history.current().value).toEqual(OPEN);
    // The snapshot on display is the one whose event made it look like this.
    expect(history.cause().event).toBe('SOCKET.READY');
    expect(history.previous().value).toEqual({ connection: 'connecting' });
    history.stepBack();
    expect(history.current().event).toBe('xstate.done.actor.fetchToken');
    history.stepForward();
    expect(history.current().event).toBe('SOCKET.READY');
    history.stepForward();
    expect(history.current().event).toBe('SOCKET.DOWN');
    history.stepForward();
    expect(history.live).toBe(true);
  });

  it('a change of a shown context field is a step of its own', () => {
    const history = new History();
    add(history, [
      { value: 'backoff', event: 'SOCKET.DOWN', context: { attempt: 1 } },
      { value: 'backoff', event: 'RETRY', context: { attempt: 2 } },
    ]);
    history.stepBack();
    expect(history.current().context.attempt).toBe(1);
  });
});
