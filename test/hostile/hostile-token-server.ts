import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A request the hostile endpoint received. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export interface HostileTokenServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A token endpoint on loopback that answers however `answer` likes (a stream, a trickle, a redirect…), after
 * reading the whole request. Used where the simulator is too well-behaved.
 */
export async function startHostileTokenServer(answer: (res: ServerResponse, req: IncomingMessage, index: number) => void): Promise<HostileTokenServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      answer(res, req, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A factory for a `describe` block: every server it started is closed after each test. */
export function useHostileTokenServer(): typeof startHostileTokenServer {
  const servers: HostileTokenServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (answer) => {
    const server = await startHostileTokenServer(answer);
    servers.push(server);
    return server;
  };
}

/** A 200 token body as Zoom sends it, with the given lifetime. */
export function tokenBody(accessToken: string, expiresIn: unknown = 3599): string {
  return JSON.stringify({ access_token: accessToken, token_type: 'bearer', expires_in: expiresIn, scope: 'marketplace:read:list_apps', api_url: 'https://api.zoom.us' });
}
