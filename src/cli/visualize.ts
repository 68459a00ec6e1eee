import { DEMO_COMMANDS, DEMO_TIMINGS, startDemo, type Demo } from '../visualizer-server/demo.js';
import { startVisualizerServer } from '../visualizer-server/server.js';
import { integerFlag, parseArgs } from './args.js';
import { UsageError } from './usage-error.js';

/** Fixed by default so that an attached service can keep `inspect: 'ws://127.0.0.1:7700/inspect'`. */
export const DEFAULT_VISUALIZE_PORT = 7700;

/**
 * `zoom-ws visualize [--port P] [--attach]`: serves the statechart visualizer on 127.0.0.1. By default it
 * also runs the embedded simulator and a client attached to the page (with {@link DEMO_TIMINGS}), and the
 * page's fault buttons act on that simulator; with `--attach` it only relays inspection events from
 * services that set the client option `inspect`. Prints the page URL on stdout. Stops on SIGINT/SIGTERM,
 * after closing the client, the simulator and the server.
 */
export async function runVisualize(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, ['port'], ['attach']);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const port = integerFlag(args, 'port', { max: 65_535, unit: '(port)' }) ?? DEFAULT_VISUALIZE_PORT;
  const attach = args.switches.has('attach');

  let demo: Demo | undefined;
  const server = await startVisualizerServer({
    port,
    mode: attach ? 'attach' : 'embedded',
    ...(attach ? {} : { commands: DEMO_COMMANDS, onCommand: (command: string) => demo!.run(command), timings: DEMO_TIMINGS }),
  }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; choose another with --port (0 picks a free one)`);
    throw error;
  });
  const stopped = signalled();
  try {
    if (!attach) demo = await startDemo(server.inspectUrl, (message) => server.broadcast(message));
    process.stderr.write(
      attach
        ? `Visualizer on ${server.url}, waiting for services: new ZoomWsClient({ ...options, inspect: '${server.inspectUrl}' })\n`
        : `Visualizer on ${server.url}: embedded Zoom simulator on 127.0.0.1:${demo!.simulator.port}, client attached; Ctrl-C stops\n`,
    );
    // Last, so that a script reading stdout knows everything is up.
    process.stdout.write(`${server.url}\n`);
    const signal = await stopped.promise;
    process.stderr.write(`${signal}: closing\n`);
  } finally {
    stopped.dispose();
    await demo?.stop();
    await server.close();
  }
  return 0;
}

/** Resolves with the first SIGINT/SIGTERM; `dispose` removes the listeners. */
function signalled(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    promise,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
