import type { EventObject } from 'xstate';
import type { TestModel } from 'xstate/graph';
import type { PlannedPath } from './paths.js';
import { RealWorld, type RealWorldOptions } from './real-world.js';
import type { ModelEvent, World } from './world-model.js';

/**
 * Runs one planned path against a fresh real world: each model event is performed, each model state
 * verified. `inspect` sees the world before it is disposed (e.g. to collect its logs).
 */
export async function runPath(
  model: TestModel<World, ModelEvent, undefined>,
  { path }: PlannedPath,
  name: string,
  options: RealWorldOptions & { inspect?: (world: RealWorld) => void } = {},
): Promise<void> {
  const world = await RealWorld.create(options);
  let step = 0;
  const perform = async ({ event }: { event: EventObject }) => {
    world.beginStep();
    if (event.type !== 'xstate.init') await world.perform(event as ModelEvent);
  };
  try {
    await model.testPath(path, {
      events: new Proxy({}, { get: () => perform }) as never,
      states: {
        '*': async (state: World) => {
          await world.verify(state, `${name}, step ${step}`);
          step++;
        },
      },
    });
  } catch (error) {
    if (error instanceof Error) error.message += `\nclient log:\n  ${world.logs.join('\n  ')}`;
    throw error;
  } finally {
    await world.dispose();
    options.inspect?.(world);
  }
}
