import { createEventScenario, createZoomSimulator } from '../simulator/index.js';
import { integerFlag, parseArgs } from './args.js';
import { UsageError } from './usage-error.js';

const DEFAULT_EVENT_INTERVAL_MS = 1_000;

/**
 * `zoom-ws simulate [--port P] [--event-interval MS] [--no-events] [--jitter]`: runs the embedded Zoom simulator
 * and prints the environment lines (stdout, `KEY=value`, ready for `export`) that point `zoom-ws listen` at it.
 * Unless `--no-events`, it plays a realistic meeting script in a loop; `--jitter` delivers it out of order
 * and with delays, as Zoom does (the simulator's `deliveryJitter` with its defaults). Stops on SIGINT/SIGTERM.
 */
export async function runSimulate(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, ['port', 'event-interval'], ['no-events', 'jitter']);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const port = integerFlag(args, 'port', { max: 65_535, unit: '(port)' }) ?? 0;
  const intervalMs = integerFlag(args, 'event-interval', { min: 1 }) ?? DEFAULT_EVENT_INTERVAL_MS;

  const simulator = await createZoomSimulator({ port, deliveryJitter: args.switches.has('jitter') });
  const playback = args.switches.has('no-events')
    ? undefined
    : simulator.play(createEventScenario({ accountId: simulator.credentials.accountId }), { intervalMs, loop: true });
  for (const [name, value] of Object.entries(simulator.env)) process.stdout.write(`${name}=${value}\n`);
  process.stderr.write(`Zoom simulator listening on 127.0.0.1:${simulator.port}; in another shell: export the lines above, then run zoom-ws listen\n`);

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  playback?.stop();
  await simulator.stop();
  return 0;
}
