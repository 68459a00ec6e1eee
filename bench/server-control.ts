/** Starts `server.js` in a child process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerCommand, ServerReady, SubscriptionHistory } from './server.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./server.js', import.meta.url));

export class BenchServer {
  readonly #child: ChildProcess;
  readonly ports: readonly number[];
  readonly #pending = new Map<number, (reply: Record<string, unknown>) => void>();
  #nextId = 1;

  private constructor(child: ChildProcess, ports: readonly number[]) {
    this.#child = child;
    this.ports = ports;
    child.on('message', (message: { id?: number }) => {
      if (message.id === undefined) return;
      const resolve = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      resolve?.(message as Record<string, unknown>);
    });
  }

  /** Forks the server (listening on `ports` loopback ports) and resolves once it listens. */
  static start(ports = 1): Promise<BenchServer> {
    const child = fork(SERVER_SCRIPT, ['--ports', String(ports)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`bench server exited early with code ${code}`)));
      child.once('message', (message: ServerReady) => {
        child.removeAllListeners('exit');
        resolve(new BenchServer(child, message.ports));
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  oauthUrl(ttlSeconds = 3599, portIndex = 0): string {
    return `http://127.0.0.1:${this.ports[portIndex % this.ports.length]}/oauth/token?ttl=${ttlSeconds}`;
  }

  /** The WebSocket endpoint with the server's own query parameters (mode, size, rate, tag, overlap). */
  wsUrl(params: Record<string, string | number> = {}, portIndex = 0): string {
    const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]));
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return `ws://127.0.0.1:${this.ports[portIndex % this.ports.length]}/ws${suffix}`;
  }

  call<T extends Record<string, unknown>>(command: ServerCommand): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve as (reply: Record<string, unknown>) => void);
      this.#child.send({ id, ...command });
    });
  }

  /** Time (µs, shared monotonic clock) at which the server destroyed the sockets of `tag`. */
  async drop(tag: string): Promise<number> {
    return (await this.call<{ at: number }>({ cmd: 'drop', tag })).at;
  }

  /** Time (µs) from which the sockets of `tag` get nothing more. */
  async stall(tag: string): Promise<number> {
    return (await this.call<{ at: number }>({ cmd: 'stall', tag })).at;
  }

  /** When the connections of subscription `sub` opened (`build_connection` sent) and closed, in order. */
  async history(sub: string): Promise<SubscriptionHistory> {
    const { opens, closes } = await this.call<SubscriptionHistory & Record<string, unknown>>({ cmd: 'history', sub });
    return { opens, closes };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        resolve();
        return;
      }
      this.#child.once('exit', () => resolve());
      this.#child.kill();
    });
  }
}
