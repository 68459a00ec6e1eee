import { createEventScenario, createZoomSimulator } from '../simulator/index.js';
import { hasCredentials, listenOptionsFrom, parseListenArgs } from './listen-options.js';
import { runListen } from './listen.js';

/** Gap between simulated events in the demo: fast enough to see events within a couple of seconds. */
const DEMO_EVENT_INTERVAL_MS = 400;

/**
 * `npm start`: the main job. With `ZOOM_*` credentials in the environment it is `listen` against Zoom;
 * without them it starts the embedded simulator with a realistic event script and listens to that.
 * Same output contract as `listen`.
 */
export async function runStart(argv: readonly string[]): Promise<number> {
  const args = parseListenArgs(argv);
  const verbose = args.switches.has('verbose');
  if (hasCredentials(process.env)) return runListen(listenOptionsFrom(process.env, args), { verbose });

  const simulator = await createZoomSimulator();
  process.stderr.write(`No ZOOM_* credentials set: listening to the embedded Zoom simulator on 127.0.0.1:${simulator.port} (set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET and ZOOM_SUBSCRIPTION_ID for real Zoom)\n`);
  const playback = simulator.play(createEventScenario({ accountId: simulator.credentials.accountId }), { intervalMs: DEMO_EVENT_INTERVAL_MS, loop: true });
  try {
    return await runListen(listenOptionsFrom(simulator.env, args), { verbose });
  } finally {
    playback.stop();
    await simulator.stop();
  }
}
