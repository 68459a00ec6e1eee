import { fromCallback, fromPromise } from 'xstate';
import type { ConnectionEvent, ConnectionTimings, SocketCommand, SocketEvent, SocketInput } from '../../machines/connection.types.js';
import { heartbeatActor } from '../../src/actors/heartbeat.js';
import { Secret, type AccessToken } from '../../src/protocol/secret.js';

/** A socket the test drives by hand: it records commands and lets the test send its events. */
export interface FakeSocket {
  id: string;
  token: AccessToken;
  commands: SocketCommand['type'][];
  stopped: boolean;
  send(event: Omit<SocketEvent, 'socketId'> & { type: SocketEvent['type'] }): void;
}

/** Token requests the test settles by hand. */
export interface PendingToken {
  resolve(ttlMs?: number): AccessToken;
  reject(error: unknown): void;
  aborted: boolean;
}

/** @param autoAlive answer every heartbeat with `SOCKET.ALIVE`, as a healthy Zoom does. */
export function fakeActors({ autoAlive = true } = {}) {
  const sockets: FakeSocket[] = [];
  const tokenRequests: PendingToken[] = [];
  let tokenCount = 0;
  const fetchToken = fromPromise<AccessToken>(({ signal }) => new Promise<AccessToken>((resolve, reject) => {
    const request: PendingToken = {
      aborted: false,
      resolve(ttlMs = 3_600_000) {
        const now = Date.now();
        const token = { value: new Secret(`token-${++tokenCount}`), issuedAt: now, expiresAt: now + ttlMs };
        resolve(token);
        return token;
      },
      reject,
    };
    signal.addEventListener('abort', () => {
      request.aborted = true;
      reject(signal.reason);
    });
    tokenRequests.push(request);
  }));
  const socket = fromCallback<SocketCommand, SocketInput>(({ input, sendBack, receive }) => {
    const fake: FakeSocket = {
      id: input.socketId,
      token: input.token,
      commands: [],
      stopped: false,
      send: (event) => sendBack({ ...event, socketId: input.socketId } as ConnectionEvent),
    };
    receive((command) => {
      fake.commands.push(command.type);
      if (autoAlive && command.type === 'HEARTBEAT') queueMicrotask(() => fake.stopped || fake.send({ type: 'SOCKET.ALIVE' }));
    });
    sockets.push(fake);
    return () => {
      fake.stopped = true;
    };
  });
  return { actors: { fetchToken, socket, heartbeat: heartbeatActor }, sockets, tokenRequests };
}

export const testTimings: ConnectionTimings = {
  heartbeatInterval: 30_000,
  heartbeatTimeout: 15_000,
  backoffInitial: 1_000,
  backoffMax: 30_000,
  refreshMargin: 300_000,
  connectTimeout: 10_000,
  stablePeriod: 30_000,
  displacedDelay: 60_000,
  closeTimeout: 2_000,
  maxAttempts: null,
};
