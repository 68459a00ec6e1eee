import { createServer, Socket, type AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy for partition tests. `pause()` stops moving bytes in both directions without losing
 * any (a real partition delays; a proxy that dropped bytes would desynchronise a Redis client's replies);
 * `resume()` delivers what piled up. `cut()` destroys every connection.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  pause(): void;
  resume(): void;
  cut(): void;
  stop(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Sees every chunk a client sends, before it is forwarded (e.g. to SIGSTOP the client right as it sends a command). */
  onClientData?: (chunk: Buffer) => void;
}

export async function startTcpProxy(targetPort: number, scheme = 'redis', options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let paused = false;
  const server = createServer((client) => {
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    if (paused) {
      client.pause();
      upstream.pause();
    }
    upstream.connect(targetPort, '127.0.0.1');
    // Added before the pipe, so it runs before the chunk is forwarded.
    if (options.onClientData) client.on('data', options.onClientData);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy: TcpProxy = {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    pause() {
      paused = true;
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    resume() {
      paused = false;
      for (const [a, b] of pairs) {
        a.resume();
        b.resume();
      }
    },
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    async stop() {
      proxy.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
