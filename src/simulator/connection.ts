import { WebSocket } from 'ws';
import { fitCloseReason } from './frames.js';
import type { SimConnectionInfo } from './types.js';

/**
 * One accepted WebSocket and what the simulator knows about it. All writes go through here so that a
 * stalled or closing socket is never written to, and so that no `ws` call can throw into the server.
 */
export class SimConnection {
  /** `build_connection` success was sent. */
  private connected = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  stalled = false;
  heartbeats = 0;
  closed = false;

  constructor(
    readonly id: number,
    readonly subscriptionId: string,
    /** The `access_token` query parameter, `''` when absent. */
    readonly accessToken: string,
    readonly openedAt: number,
    private readonly socket: WebSocket,
  ) {}

  /** Events reach this connection. */
  get live(): boolean {
    return this.connected && !this.stalled && !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  /** The socket is open; it may still be stalled or not yet connected. */
  get open(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  markConnected(): void {
    this.connected = true;
  }

  /** Writes a text frame unless the connection is stalled or no longer open. Returns whether it was written. */
  send(text: string): boolean {
    if (this.stalled || !this.open) return false;
    this.socket.send(text);
    return true;
  }

  /** Starts the closing handshake. `ws` queues the close frame after frames already sent. */
  close(code: number, reason = ''): void {
    this.clearExpiryTimer();
    if (!this.open) return;
    this.closed = true;
    this.socket.close(code, fitCloseReason(reason));
  }

  /** Destroys the socket without a close frame: the client sees 1006. */
  terminate(): void {
    this.clearExpiryTimer();
    this.closed = true;
    this.socket.terminate();
  }

  /** Runs `action` when the token expires; replaced by a later call, cleared when the socket closes. */
  scheduleExpiry(atEpochMs: number, action: () => void): void {
    this.clearExpiryTimer();
    // setTimeout overflows above 2^31-1 ms (~24.8 days) and would fire at once; such tokens never expire here.
    const delay = Math.max(0, atEpochMs - Date.now());
    if (delay > 2_147_483_647) return;
    this.expiryTimer = setTimeout(action, delay);
  }

  clearExpiryTimer(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** Called once the socket has closed, whoever closed it. */
  markClosed(): void {
    this.closed = true;
    this.clearExpiryTimer();
  }

  info(): SimConnectionInfo {
    return {
      id: this.id,
      subscriptionId: this.subscriptionId,
      live: this.live,
      stalled: this.stalled,
      openedAt: this.openedAt,
      heartbeats: this.heartbeats,
      closed: this.closed,
    };
  }
}
