import { and, createMachine, not } from 'xstate';
import { describe, expect, it } from 'vitest';
import { connectionMachine } from '../../machines/connection.machine.js';
import { layoutStatechart, type Box } from '../../src/diagram/layout.js';
import { guardLabel, statechartGraph } from '../../src/diagram/statechart-graph.js';
import { allStateIds } from './state-ids.js';

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;

describe('statechart graph of the connection machine', () => {
  const graph = statechartGraph(connectionMachine);

  it('has every state node, nested, with initial states and invocations', () => {
    expect(graph.rootId).toBe('zoomWs');
    expect(graph.states.map((state) => state.id)).toEqual(allStateIds(connectionMachine.root));
    expect(graph.states).toHaveLength(18);
    const open = graph.states.find((state) => state.id === 'zoomWs.connection.open')!;
    expect(open).toMatchObject({ type: 'parallel', parent: 'zoomWs.connection', invokes: ['invoke heartbeat'], internal: ['after stablePeriod'] });
    expect(graph.states.find((state) => state.id === 'zoomWs.connection')!.initial).toBe('zoomWs.connection.connecting');
    expect(graph.states.find((state) => state.id === 'zoomWs.connection.open.refresh.fetching')!.invokes).toEqual(['invoke fetchToken as refreshToken']);
  });

  it('labels arrows with events, delays (by name), actor outcomes and guards, one line per transition', () => {
    const arrow = (source: string, target: string) =>
      graph.transitions.find((t) => t.source === `zoomWs.${source}` && t.target === `zoomWs.${target}`)?.labels;
    expect(arrow('connection.connecting', 'backoff')).toEqual(['SOCKET.REFUSED [fromActiveSocket]', 'SOCKET.DOWN [fromActiveSocket]', 'after connectTimeout']);
    expect(arrow('connection.open', 'backoff')).toEqual(['SOCKET.REFUSED [fromActiveSocket]', 'SOCKET.DOWN [fromActiveSocket && !isHandoverDisplacement]']);
    expect(arrow('authenticating', 'connection')).toEqual(['done fetchToken']);
    expect(arrow('authenticating', 'failed')).toEqual(['error fetchToken [isFatalAuthError]']);
    expect(arrow('backoff', 'connection')).toEqual(['after retryDelay [hasUsableToken]']);
    expect(arrow('backoff', 'failed')).toEqual(['always [attemptsExhausted]']);
    expect(arrow('connection.open.liveness.awaitingFrame', 'backoff')).toEqual(['after heartbeatTimeout']);
  });

  it('names composite and inline guards readably', () => {
    expect(guardLabel(and(['a', not(and(['b', 'c']))]))).toBe('a && !(b && c)');
    const machine = createMachine({ initial: 'x', states: { x: { on: { GO: { guard: function isReady() { return true; }, target: 'y' } } }, y: {} } });
    expect(statechartGraph(machine).transitions[0]!.labels).toEqual(['GO [isReady]']);
  });

  it('lays out every state inside its parent, every arrow with a route and every label with a box', async () => {
    const layout = await layoutStatechart(graph);
    const boxes = new Map(layout.states.map((state) => [state.id, state]));
    expect(layout.states).toHaveLength(graph.states.length);
    for (const state of layout.states) {
      expect(state.width, state.id).toBeGreaterThan(0);
      if (state.parent) expect(inside(state, boxes.get(state.parent)!), `${state.id} inside ${state.parent}`).toBe(true);
      expect(inside(state, { x: 0, y: 0, width: layout.width, height: layout.height }), state.id).toBe(true);
    }
    for (const transition of layout.transitions) {
      expect(transition.points.length, transition.id).toBeGreaterThanOrEqual(2);
      if (transition.kind === 'transition') expect(transition.labelBox?.width, transition.id).toBeGreaterThan(0);
    }
    expect(layout.initials.map((initial) => initial.parent).sort()).toEqual(graph.states.filter((s) => s.initial).map((s) => s.id).sort());
  });
});
