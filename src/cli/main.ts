#!/usr/bin/env node
import { UsageError } from './usage-error.js';

const HELP = `zoom-ws: keep a connection to Zoom's real-time event WebSocket

Usage:
  zoom-ws listen [flags]     Listen with ZOOM_* credentials; one JSON line per event on stdout
  zoom-ws start [flags]      listen with credentials; without them, against the embedded simulator
  zoom-ws relay [flags]      One replica of a cluster: holds the Zoom connection while it holds the lease in
                             Redis and publishes each event to the stream; one JSON line per published event
  zoom-ws consume --group G [--consumer C] [--claim-idle MS] [--max-deliveries N] [--from-now]
                             Read the cluster's event stream through a consumer group; one JSON line per event
  zoom-ws forward --to URL [--secret-token T] [--concurrency N] [--events a,b] [--exclude a,b]
                             listen, and POST each event to an existing webhook handler signed as Zoom signs
                             webhooks; one NDJSON status line per event (event, key, outcome, status, attempts, ms)
  zoom-ws simulate [--port P] [--event-interval MS] [--no-events] [--jitter]
                             Run the Zoom simulator and print the env lines for listen
  zoom-ws visualize [--port P] [--attach]
                             Serve the statechart visualizer on 127.0.0.1

Environment (listen): ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_SUBSCRIPTION_ID (required),
  ZOOM_OAUTH_URL (default https://zoom.us/oauth/token), ZOOM_WS_URL (default wss://ws.zoom.us/ws),
  ZOOM_GRANT_TYPE (account_credentials | client_credentials, default account_credentials)
Flags (listen, start), in milliseconds: --heartbeat-interval, --heartbeat-timeout, --backoff-initial,
  --backoff-max, --refresh-margin, --connect-timeout; --max-attempts N; --verbose
  --proxy URL|none (default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY); --health-port P [--health-host H] (/livez /readyz
  /leader /metrics on 127.0.0.1); --drain-timeout MS (SIGTERM waits this long for handlers, default 10000);
  --allow-insecure (accept http:// / ws:// endpoints on hosts other than loopback: credentials in cleartext)
Relay: ZOOM_WS_REDIS_URL (or --redis URL) plus the listen environment; flags (ms) --lease-ttl (10000),
  --renew-interval (2000), --renew-deadline (6000), --acquire-interval (1000); --replica-id ID (host:pid),
  --key-prefix P (zoomws)
Consume: ZOOM_SUBSCRIPTION_ID and ZOOM_WS_REDIS_URL (or --redis URL), no Zoom credentials; --consumer (host:pid),
  --claim-idle (30000), --max-deliveries (5), --dead-letter-retention (604800000), --key-prefix P (zoomws);
  --from-now: a new group skips old entries
Forward: the listen environment plus ZOOM_WEBHOOK_SECRET_TOKEN (or --secret-token); --to may be http:// (local
  handlers); --concurrency (1: in order), --max-queue (1000), --events/--exclude (names or prefixes like meeting.*)
  Cluster mode: --redis URL --group G [--consumer C] [--claim-idle MS] [--max-deliveries N]
  [--dead-letter-retention MS] [--key-prefix P]:
  a consumer of the relays' stream (ZOOM_SUBSCRIPTION_ID only), acknowledging each entry after a 2xx
Exit codes: 0 after SIGINT/SIGTERM, 1 fatal authentication failure, 2 bad flag or missing environment variable
`;

type Command = (argv: readonly string[]) => Promise<number>;

// Loaded on demand so that `listen` never pays for the simulator or the visualizer.
const COMMANDS: Record<string, () => Promise<Command>> = {
  listen: async () => {
    const [{ runListen }, { listenOptionsFrom, parseListenArgs, serviceFlagsFrom }] = await Promise.all([import('./listen.js'), import('./listen-options.js')]);
    return (argv) => {
      const args = parseListenArgs(argv);
      return runListen(listenOptionsFrom(process.env, args), { verbose: args.switches.has('verbose'), ...serviceFlagsFrom(args) });
    };
  },
  start: async () => (await import('./start.js')).runStart,
  relay: async () => (await import('./relay.js')).runRelay,
  consume: async () => (await import('./consume.js')).runConsume,
  forward: async () => (await import('./forward.js')).runForward,
  simulate: async () => (await import('./simulate.js')).runSimulate,
  visualize: async () => (await import('./visualize.js')).runVisualize,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new UsageError(`unknown command "${name}" (try zoom-ws --help)`);
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`zoom-ws: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`zoom-ws: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
