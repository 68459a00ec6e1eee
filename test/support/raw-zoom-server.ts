import { afterEach } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

/** A frame as Zoom sends it. */
export function zoomFrame(module: string, content: string, success = true): string {
  return JSON.stringify({ module, success, content, header: {} });
}

export interface RawZoomServer {
  server: WebSocketServer;
  wsUrl: string;
  close(): Promise<void>;
}

export interface RawZoomServerOptions {
  /** Connections (by 1-based index) that do not get `build_connection` on their own: the test sends it. */
  holdBuildConnection?: (index: number) => boolean;
}

/**
 * A bare Zoom-like WebSocket endpoint for tests that need exact control of the bytes (the simulator is
 * faithful, which is exactly what these tests must step outside of). Every connection gets
 * `build_connection` success (unless held), then `onConnection` decides the rest.
 */
export async function startRawZoomServer(onConnection: (socket: WebSocket, index: number) => void, options: RawZoomServerOptions = {}): Promise<RawZoomServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  let connections = 0;
  server.on('connection', (socket: WebSocket) => {
    const index = ++connections;
    if (!options.holdBuildConnection?.(index)) socket.send(zoomFrame('build_connection', 'ok'));
    onConnection(socket, index);
  });
  const { port } = server.address() as { port: number };
  return {
    server,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    close: () => new Promise((resolve) => {
      for (const socket of server.clients) socket.terminate();
      server.close(() => resolve());
    }),
  };
}

/** A raw-server factory for a `describe` block: servers (and the timers they registered) are closed after each test. */
export function useRawZoomServer(): (
  onConnection: (socket: WebSocket, index: number) => void,
  options?: RawZoomServerOptions,
) => Promise<RawZoomServer & { every(ms: number, tick: () => void): void; after(ms: number, run: () => void): void }> {
  const servers: RawZoomServer[] = [];
  const timers: NodeJS.Timeout[] = [];
  afterEach(async () => {
    timers.splice(0).forEach(clearTimeout);
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (onConnection, options) => {
    const server = await startRawZoomServer(onConnection, options);
    servers.push(server);
    return {
      ...server,
      every: (ms, tick) => void timers.push(setInterval(tick, ms)),
      after: (ms, run) => void timers.push(setTimeout(run, ms)),
    };
  };
}
