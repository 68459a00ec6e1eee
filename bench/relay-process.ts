/**
 * A `zoom-ws relay` replica as a real child process (the CLI of this working tree, compiled with the bench), so
 * that a failover is what it is in production: a process that dies (`SIGKILL`) or hands over (`SIGTERM`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BENCH_CREDENTIALS } from './bare.js';

/** `bench/tsconfig.json` compiles the CLI beside the bench: dist/bench/src/cli/main.js. */
export const RELAY_CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface RelayTimings {
  leaseTtl: number;
  renewInterval: number;
  renewDeadline: number;
  acquireInterval: number;
}

export interface RelaySpec {
  replicaId: string;
  subscriptionId: string;
  oauthUrl: string;
  wsUrl: string;
  redisUrl: string;
  timings: RelayTimings;
}

export class RelayProcess {
  readonly replicaId: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  #stderr = '';

  constructor(spec: RelaySpec) {
    this.replicaId = spec.replicaId;
    const { timings } = spec;
    const args = [
      RELAY_CLI, 'relay', '--replica-id', spec.replicaId,
      '--lease-ttl', String(timings.leaseTtl), '--renew-interval', String(timings.renewInterval),
      '--renew-deadline', String(timings.renewDeadline), '--acquire-interval', String(timings.acquireInterval),
    ];
    this.#child = spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        ZOOM_ACCOUNT_ID: BENCH_CREDENTIALS.accountId,
        ZOOM_CLIENT_ID: BENCH_CREDENTIALS.clientId,
        ZOOM_CLIENT_SECRET: BENCH_CREDENTIALS.clientSecret,
        ZOOM_SUBSCRIPTION_ID: spec.subscriptionId,
        ZOOM_OAUTH_URL: spec.oauthUrl,
        ZOOM_WS_URL: spec.wsUrl,
        ZOOM_WS_REDIS_URL: spec.redisUrl,
      },
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      // Keep the tail only: enough to explain a failure.
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get stderr(): string {
    return this.#stderr;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** SIGKILL (if still running) and wait for the exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}
