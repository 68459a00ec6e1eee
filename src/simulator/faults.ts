/** The {@link SimulatorFaults} API: immediate faults act on sockets and tokens, the others are queued. */
import type { ConnectionRegistry } from './connection-registry.js';
import type { FaultQueue } from './fault-queue.js';
import { assertSendableCloseCode, fitCloseReason } from './frames.js';
import type { SimulatorSettings } from './options.js';
import type { TokenStore } from './token-store.js';
import type { SimulatorFaults, TokenFailureOptions } from './types.js';
import type { WebSocketEndpoint } from './websocket-endpoint.js';

export interface FaultTargets {
  readonly settings: SimulatorSettings;
  readonly queue: FaultQueue;
  readonly registry: ConnectionRegistry;
  readonly tokens: TokenStore;
  readonly websocket: WebSocketEndpoint;
}

export function createSimulatorFaults({ settings, queue, registry, tokens, websocket }: FaultTargets): SimulatorFaults {
  return {
    drop() {
      // all(), not open(): sockets in the middle of a closing handshake are destroyed too.
      for (const connection of registry.all()) connection.terminate();
    },

    close(code, reason = '') {
      // Validate before touching any socket, so a bad code cannot leave half of them closed.
      assertSendableCloseCode(code);
      const fitted = fitCloseReason(reason);
      for (const connection of registry.open()) connection.close(code, fitted);
    },

    stall() {
      for (const connection of registry.open()) connection.stalled = true;
    },

    resume() {
      for (const connection of registry.all()) connection.stalled = false;
    },

    revokeTokens() {
      // Open sockets find out on their next heartbeat (see the WebSocket endpoint).
      tokens.revokeAll();
    },

    expireTokens() {
      tokens.expireAll();
      if (settings.closeOnTokenExpiry) websocket.closeExpiredConnections();
    },

    displace() {
      websocket.displace(registry.open());
    },

    failTokenRequests(count: number, how: TokenFailureOptions = {}) {
      queue.queueTokenFailures(count, { ...how });
    },

    slowTokenRequests(delayMs: number) {
      if (!(delayMs >= 0) || !Number.isFinite(delayMs)) throw new RangeError(`delayMs must be >= 0, got ${delayMs}`);
      queue.tokenDelayMs = delayMs;
    },

    rejectUpgrades(count: number, status: number) {
      if (!Number.isInteger(status) || status < 200 || status > 599 || status === 101) {
        throw new RangeError(`status must be an HTTP status other than 101, got ${status}`);
      }
      queue.queueUpgradeFaults(count, { kind: 'reject', status });
    },

    hangUpgrades(count: number) {
      queue.queueUpgradeFaults(count, { kind: 'hang' });
    },

    refuseConnections(count: number, content: string) {
      queue.queueRefusals(count, content);
    },

    reset() {
      queue.clear();
      for (const connection of registry.all()) connection.stalled = false;
    },
  };
}
