/**
 * Model-based tests (issue 3, part 1): paths generated from the connection statechart with the xstate graph
 * utilities, each run step by step against a real client, the embedded simulator and real loopback sockets.
 * Every model event is a real action (token endpoint answers or fails, upgrades are refused or cut, the
 * simulator drops, closes with a code, stalls, displaces, revokes tokens, sends hostile frames; the clock
 * advances; the client is stopped); every model state is checked against the client and the world.
 * Transition coverage is computed from the machine definition and measured on the real clients.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { recordSummary } from '../support/summary.js';
import { coveringPaths, createWorldModel, EXCLUDED_TRANSITIONS, lifecyclePaths, transitionCatalogue, type PlannedPath } from './paths.js';
import { realCoverage } from './real-world.js';
import { runPath } from './run-path.js';

const model = createWorldModel();
const catalogue = transitionCatalogue();
const covering = coveringPaths(model);
const lifecycles = lifecyclePaths(model);

const run = (path: PlannedPath, name: string) => runPath(model, path, name);

describe('model-based tests: the connection statechart against the simulator', () => {
  it('the generated paths cover every transition of the machine definition (in the model)', () => {
    const planned = new Set([...covering, ...lifecycles].flatMap((path) => [...path.taken]));
    const missing = catalogue.filter(({ key }) => !planned.has(key) && !EXCLUDED_TRANSITIONS.has(key)).map(({ label }) => label);
    expect(missing).toEqual([]);
    expect(catalogue.length).toBeGreaterThan(0);
  });

  describe('shortest paths covering every transition and every kind of real-world action', () => {
    it.each(covering.map((path, index) => [index + 1, path.description, path] as const))('path %i: %s', async (index, _, path) => {
      await run(path, `covering path ${index}`);
    });
  });

  describe('simple paths: whole lifecycles from idle to closed or failed', () => {
    it.each(lifecycles.map((path, index) => [index + 1, path.description, path] as const))('lifecycle %i: %s', async (index, _, path) => {
      await run(path, `lifecycle ${index}`);
    });
  });

  afterAll(() => {
    const uncovered = catalogue.filter(({ key }) => !realCoverage.has(key) && !EXCLUDED_TRANSITIONS.has(key));
    const covered = catalogue.filter(({ key }) => realCoverage.has(key)).length;
    const line = `transitions covered: ${covered}/${catalogue.length} (excluded: ${EXCLUDED_TRANSITIONS.size})`;
    recordSummary('model', line, {
      paths: covering.length + lifecycles.length,
      uncovered: uncovered.map(({ label }) => label),
      excluded: [...EXCLUDED_TRANSITIONS].map(([key, reason]) => ({ transition: catalogue.find((entry) => entry.key === key)?.label ?? key, reason })),
    });
    expect(uncovered.map(({ label }) => label), 'transitions neither exercised by a real client nor excluded').toEqual([]);
  });
});
