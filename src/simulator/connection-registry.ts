import type { SimConnection } from './connection.js';

/** How many closed connections `connections()` still reports; older ones are forgotten to bound memory. */
const CLOSED_HISTORY_LIMIT = 1000;

/** Every connection the WebSocket endpoint accepted, in order of upgrade. */
export class ConnectionRegistry {
  private readonly byId = new Map<number, SimConnection>();
  private closedIds: number[] = [];
  private lastId = 0;

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  add(connection: SimConnection): void {
    this.byId.set(connection.id, connection);
  }

  /** Records that a connection closed, dropping the oldest closed ones beyond the history limit. */
  retire(connection: SimConnection): void {
    this.closedIds.push(connection.id);
    while (this.closedIds.length > CLOSED_HISTORY_LIMIT) {
      const forgotten = this.closedIds.shift();
      if (forgotten !== undefined) this.byId.delete(forgotten);
    }
  }

  all(): SimConnection[] {
    return [...this.byId.values()];
  }

  /** Connections whose socket is still open (stalled or not). */
  open(): SimConnection[] {
    return this.all().filter((connection) => connection.open);
  }

  /** Open connections of one subscription. */
  openFor(subscriptionId: string): SimConnection[] {
    return this.open().filter((connection) => connection.subscriptionId === subscriptionId);
  }

  /** Connections of one subscription that events reach. */
  liveFor(subscriptionId: string): SimConnection[] {
    return this.all().filter((connection) => connection.live && connection.subscriptionId === subscriptionId);
  }
}
