import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./proxy-process.mjs', import.meta.url));

export interface ProxiedRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL otherwise. */
  url: string;
  /** The request carried the expected Proxy-Authorization (always true without `auth`). */
  authorized: boolean;
}

export interface ProxyProcess {
  port: number;
  /** `http://[user:password@]127.0.0.1:port`. */
  url: string;
  child: ChildProcess;
  /** Everything it was asked to forward so far. */
  requests: ProxiedRequest[];
  /** SIGKILL, as if the proxy crashed; resolves once it exited. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the `proxy` npm package in a child process on 127.0.0.1 (`auth`: `user:password` it demands). */
export async function startProxyProcess(options: { auth?: string; urlAuth?: string } = {}): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, PROXY_AUTH: options.auth ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const requests: ProxiedRequest[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy process did not start: ${stderr}`)), 5_000);
    child.once('exit', (code) => reject(new Error(`proxy process exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = JSON.parse(buffered.slice(0, newline)) as { listening?: number } & ProxiedRequest;
        buffered = buffered.slice(newline + 1);
        if (line.listening !== undefined) {
          clearTimeout(timer);
          resolve(line.listening);
        } else requests.push(line);
      }
    });
  });
  const credentials = options.urlAuth ?? options.auth;
  const userinfo = credentials ? `${credentials.split(':').map(encodeURIComponent).join(':')}@` : '';
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { port, url: `http://${userinfo}127.0.0.1:${port}`, child, requests, kill, stop: kill };
}
