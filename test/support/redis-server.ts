import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the Debian package puts it; `REDIS_SERVER` overrides. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server (as .ci/run does), or set REDIS_SERVER to its path';

export interface RedisServerOptions {
  /** Keep data across a restart of this server (`appendonly yes`, `appendfsync always`). Default false. */
  persistent?: boolean;
  /** A fixed port (a restart reuses the previous one). Default: a free random loopback port. */
  port?: number;
  /** A data directory (a restart reuses it). Default: a new temporary directory. */
  dir?: string;
}

/** A real `redis-server` on 127.0.0.1, owned by the test: started by it, stopped by pid. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  /** SIGKILL, no shutdown save: what a crash does. */
  kill(): Promise<void>;
  /** Start again on the same port and directory (with the data if `persistent`, else empty). */
  restart(): Promise<void>;
  /** Stop and remove the data directory. Idempotent. */
  stop(): Promise<void>;
}

/** Fails at once, naming the install command, when redis-server is missing: a missing prerequisite never skips. */
export function assertRedisServerInstalled(): void {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`redis-server is not installed (${REDIS_SERVER}): ${REDIS_INSTALL_HINT}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertRedisServerInstalled();
  const port = options.port ?? (await freePort());
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'zoomws-redis-'));
  const persistent = options.persistent ?? false;
  let child = await launch(port, dir, persistent);
  let stopped = false;

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    dir,
    async kill() {
      await killAndWait(child);
    },
    async restart() {
      await killAndWait(child);
      if (!persistent) rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
      child = await launch(port, dir, persistent);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await killAndWait(child);
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function launch(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--dir', dir,
    '--appendonly', persistent ? 'yes' : 'no', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'no', '--loglevel', 'warning',
  ];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}; ${REDIS_INSTALL_HINT}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready: ${stderr.trim()}`)));
  });
  exited.catch(() => {});
  await Promise.race([waitForPing(port, 5_000), exited]);
  child.removeAllListeners('exit');
  return child;
}

/** Ready when it answers PING over TCP. */
async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
