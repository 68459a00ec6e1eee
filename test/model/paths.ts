/**
 * Which model paths run against the real client: generated with the xstate graph utilities
 * (`TestModel.getShortestPaths` / `getSimplePaths`) over {@link worldLogic}, replayed from the initial
 * world (so that every step's socket ids, token times and clock are the ones this very path produces),
 * then selected so that every transition of the machine definition and every kind of real-world action is
 * exercised at least once.
 */
import type { EventObject } from 'xstate';
import { TestModel, type StatePath } from 'xstate/graph';
import { describeEvent, eventKind, replay, serializeWorld, transitionCatalogue, worldEvents, worldLogic, type ModelEvent, type World } from './world-model.js';

export interface PlannedPath {
  readonly description: string;
  readonly path: StatePath<World, ModelEvent>;
  /** Machine transitions (keys) the path takes in the model. */
  readonly taken: ReadonlySet<string>;
}

/** Breadth of the traversal: every transition of the machine is reachable in fewer steps. */
export const SHORTEST_DEPTH = 12;
/** Simple paths to a final state are enumerated up to this many events. */
export const SIMPLE_DEPTH = 7;
/**
 * How many of those simple paths run (evenly spread over the enumeration, which is deterministic). All of
 * them (about 1,700, ~35 s) with `MODEL_LIFECYCLES=all`.
 */
export const SIMPLE_SAMPLE = process.env.MODEL_LIFECYCLES === 'all' ? Infinity : 300;

/**
 * Transitions that no real-world action can produce, with the reason. Empty: every transition of the
 * statechart is driven by something the simulator, the network or the clock can do.
 */
export const EXCLUDED_TRANSITIONS: ReadonlyMap<string, string> = new Map();

export function createWorldModel(): TestModel<World, ModelEvent, undefined> {
  // Identity = exact world state + the machine transitions that led into it: shortest paths to every such
  // vertex then cover every transition, not only every state.
  return new TestModel<World, ModelEvent, undefined>(worldLogic, {
    events: worldEvents,
    serializeState: (world) => `${serializeWorld(world)}|${[...world.taken].sort().join(',')}`,
    logger: { log: () => {}, error: () => {} },
  });
}

/**
 * Recomputes a generated path from its event kinds. The graph utilities merge states with the same
 * identity, and a merged state's events carry the socket ids and times of whichever run got there first;
 * replaying gives each step the concrete values of this path.
 */
function plan(generated: StatePath<World, ModelEvent>): PlannedPath | undefined {
  const kinds = generated.steps.map((step) => step.event).filter((event) => event.type !== 'xstate.init').map(eventKind);
  const replayed = replay(kinds);
  if (!replayed || replayed.events.length === 0) return undefined;
  const { worlds, events } = replayed;
  const steps = worlds.map((state, index) => ({ state, event: index === 0 ? ({ type: 'xstate.init' } as ModelEvent) : events[index - 1]! }));
  return {
    description: events.map((event) => describeEvent(event as EventObject)).join(' → '),
    path: { state: worlds.at(-1)!, steps, weight: events.length },
    taken: new Set(worlds.flatMap((world) => world.taken)),
  };
}

const kindsOf = (planned: PlannedPath) => planned.path.steps.slice(1).map((step) => eventKind(step.event));

/** Shortest paths that together take every transition of the machine, and use every kind of real-world action. */
export function coveringPaths(model: TestModel<World, ModelEvent, undefined>): PlannedPath[] {
  const candidates = model
    .getShortestPaths({ allowDuplicatePaths: true, stopWhen: (world) => world.depth >= SHORTEST_DEPTH })
    .map(plan)
    .filter((planned): planned is PlannedPath => planned !== undefined)
    .sort((a, b) => a.path.weight - b.path.weight);
  const chosen: PlannedPath[] = [];
  const covered = new Set<string>();
  // Greedy set cover: the path adding the most uncovered transitions, the shorter one on a tie.
  for (;;) {
    let best: PlannedPath | undefined;
    let bestGain = 0;
    for (const candidate of candidates) {
      let gain = 0;
      for (const key of candidate.taken) if (!covered.has(key)) gain++;
      if (gain > bestGain) {
        best = candidate;
        bestGain = gain;
      }
    }
    if (!best) break;
    chosen.push(best);
    for (const key of best.taken) covered.add(key);
  }
  // Every kind of real-world action (per event type and role: e.g. a refused token on the first fetch and on
  // a refresh) at least once, each by its shortest path.
  const actionKind = (event: ModelEvent) => JSON.stringify([event.type, event.via, event.role, event.reason ?? event.cause]);
  const used = new Set(chosen.flatMap((planned) => planned.path.steps.slice(1).map((step) => actionKind(step.event))));
  for (const candidate of candidates) {
    const last = candidate.path.steps.at(-1)!.event;
    if (!used.has(actionKind(last))) {
      chosen.push(candidate);
      for (const step of candidate.path.steps.slice(1)) used.add(actionKind(step.event));
    }
  }
  return withoutPrefixes(chosen);
}

/** Simple paths (no state twice) from `idle` to `closed`/`failed`: whole lifecycles, a deterministic sample. */
export function lifecyclePaths(model: TestModel<World, ModelEvent, undefined>): PlannedPath[] {
  const all = model
    .getSimplePaths({ allowDuplicatePaths: true, stopWhen: (world) => world.depth >= SIMPLE_DEPTH, toState: (world) => world.status === 'done' })
    .map(plan)
    .filter((planned): planned is PlannedPath => planned !== undefined && planned.path.state.status === 'done');
  const unique = [...new Map(all.map((planned) => [kindsOf(planned).join('|'), planned])).values()];
  if (unique.length <= SIMPLE_SAMPLE) return unique;
  const stride = unique.length / SIMPLE_SAMPLE;
  return Array.from({ length: SIMPLE_SAMPLE }, (_, i) => unique[Math.floor(i * stride)]!);
}

function withoutPrefixes(paths: PlannedPath[]): PlannedPath[] {
  const signatures = paths.map(kindsOf);
  return paths.filter((_, index) => {
    const mine = signatures[index]!;
    return !signatures.some((theirs, otherIndex) => {
      if (otherIndex === index || theirs.length < mine.length || (theirs.length === mine.length && otherIndex > index)) return false;
      return mine.every((kind, i) => kind === theirs[i]);
    });
  });
}

export { transitionCatalogue };
