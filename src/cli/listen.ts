import { ZoomWsClient } from '../client/client.js';
import { cleanLogText } from '../client/logger.js';
import type { ZoomWsClientOptions } from '../client/options.js';
import { ClientStoppedError, ZoomWsConfigError } from '../errors.js';
import { startCliHealthServer, type HealthServer } from './health-server.js';
import { DEFAULT_CLI_DRAIN_TIMEOUT, ENV_OF_OPTION, FLAG_OF_OPTION, type ServiceFlags } from './listen-options.js';
import { createStderrLogger } from './stderr-logger.js';
import { UsageError } from './usage-error.js';

export interface ListenIo extends Partial<ServiceFlags> {
  verbose?: boolean;
  /** Called once the client is running, with a function that stops it (used by `start` to stop the simulator after). */
  onStarted?: (client: ZoomWsClient) => void;
}

/**
 * Runs a client until SIGINT/SIGTERM or a fatal failure. stdout: one JSON line per delivered event, nothing
 * else. stderr: transitions and warnings. Resolves with the exit code: 0 after a signal, 1 after a fatal
 * failure. Does not call `process.exit`: the process ends because nothing is left running.
 */
export async function runListen(options: ZoomWsClientOptions, io: ListenIo = {}): Promise<number> {
  const logger = createStderrLogger({ verbose: io.verbose ?? false });
  let client: ZoomWsClient;
  try {
    client = new ZoomWsClient({ ...options, logger });
  } catch (error) {
    if (error instanceof ZoomWsConfigError) throw new UsageError(describeConfigError(error));
    throw error;
  }
  client.on('*', (event) => {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  });
  // A closed pipe (`zoom-ws listen | head`) ends the listener instead of crashing it.
  const onStdoutError = () => void client.stop();
  process.stdout.on('error', onStdoutError);
  const drainTimeout = io.drainTimeout ?? DEFAULT_CLI_DRAIN_TIMEOUT;
  let drained: Promise<unknown> = Promise.resolve();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: closing; waiting up to ${drainTimeout} ms for running handlers`);
    drained = client.stop({ drainTimeout }).then(({ unfinishedHandlers }) => {
      if (unfinishedHandlers.length > 0) logger.warn(`${unfinishedHandlers.length} handler(s) did not finish within ${drainTimeout} ms`);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.onStarted?.(client);
  let healthServer: HealthServer | undefined;
  if (io.healthPort !== undefined) {
    const options = io.healthHost === undefined ? { port: io.healthPort } : { port: io.healthPort, host: io.healthHost };
    healthServer = await startCliHealthServer(client, options, (metrics, registry) => void metrics.collectClientMetrics(client, { registry }));
    logger.info(`health server on http://${healthServer.host}:${healthServer.port} (/livez /readyz /metrics)`);
  }

  let exitCode = 0;
  client.start().catch((error: unknown) => {
    if (error instanceof ClientStoppedError) return;
    exitCode = 1;
    // Scrubbed where the server's text entered; scrubbed and escaped again here, as every other stderr line is.
    process.stderr.write(`zoom-ws: ${cleanLogText(error instanceof Error ? error.message : String(error), [options.clientSecret])}\n`);
  });
  await client.finished;
  await drained;
  await healthServer?.close();
  // Let a rejection of start() be seen before the exit code is read.
  await new Promise<void>((resolve) => setImmediate(resolve));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stdout.off('error', onStdoutError);
  return exitCode;
}

function describeConfigError(error: ZoomWsConfigError): string {
  const field = error.field as keyof ZoomWsClientOptions;
  const source = ENV_OF_OPTION[field] ?? FLAG_OF_OPTION[field];
  const message = error.message.replace('set allowInsecureEndpoints: true', `pass ${FLAG_OF_OPTION.allowInsecureEndpoints}`);
  return source ? message.replace(`option "${field}"`, source) : message;
}
