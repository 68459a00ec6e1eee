import WebSocket from 'ws';
import { ByteBoundedQueue } from './byte-bounded-queue.js';

/** A command from the page (a fault button). */
export interface PageCommand {
  type: 'zoom-ws.command';
  command: string;
}

/** What the server tells pages, besides relaying inspection messages. */
export type ServerMessage =
  | { type: 'zoom-ws.hello'; mode: 'embedded' | 'attach'; commands: readonly string[]; inspectUrl: string; timings?: Record<string, number> }
  | { type: 'zoom-ws.command-result'; command: string; ok: boolean; message: string }
  | { type: 'zoom-ws.client-event'; name: string; at: number }
  | { type: 'zoom-ws.stats'; stats: Record<string, unknown> };

export type CommandHandler = (command: string) => string | Promise<string>;

export interface InspectionHubOptions {
  /** First message to every page. */
  hello: () => ServerMessage;
  /** Runs a page command; its result (or error message) goes back to that page. */
  onCommand?: CommandHandler;
  /** Bytes of inspection messages (oldest dropped first) replayed to a page that connects late. @default {@link DEFAULT_REPLAY_BYTES} */
  replayBytes?: number;
  /** Bytes of actor registrations kept, so that a late page still learns which actor is which. @default {@link DEFAULT_ACTOR_BYTES} */
  actorBytes?: number;
}

/**
 * 16 MiB of recent inspection messages: thousands of ordinary snapshots (about 1–3 KB each), while a source
 * sending 1 MiB messages (the socket limit) cannot make the server hold more than this.
 */
export const DEFAULT_REPLAY_BYTES = 16 * 1024 * 1024;
/** 4 MiB of `@xstate.actor` registrations (each carries the machine definition, a few KB). */
export const DEFAULT_ACTOR_BYTES = 4 * 1024 * 1024;

/**
 * The relay between inspection sources and pages. It follows the relay of `@statelyai/inspect`'s
 * `createInspectorServer` — an inspection message from one socket goes to every other socket, and a late
 * joiner gets the recent ones — so any `@statelyai/inspect` WebSocket inspector works with it (a receiver
 * needs the run's token to read the relay). On top of that, sockets of the page (`/ui`) can send commands, which are answered and never relayed.
 */
export class InspectionHub {
  readonly #options: InspectionHubOptions;
  readonly #sockets = new Map<WebSocket, { kind: 'source' | 'page'; reads: boolean }>();
  /** Recent inspection messages (serialized), oldest first. */
  readonly #recent: ByteBoundedQueue<number>;
  #sequence = 0;
  /** Actor registrations, kept apart from the recent ones so that a late page still learns which actor is which. */
  readonly #actors: ByteBoundedQueue<string>;
  /** Commands run one after the other, so that answers come back in the order the buttons were pressed. */
  #commands: Promise<void> = Promise.resolve();

  constructor(options: InspectionHubOptions) {
    this.#options = options;
    this.#recent = new ByteBoundedQueue(options.replayBytes ?? DEFAULT_REPLAY_BYTES);
    this.#actors = new ByteBoundedQueue(options.actorBytes ?? DEFAULT_ACTOR_BYTES);
  }

  /** Bytes held for late pages (recent messages and actor registrations). */
  get retainedBytes(): number {
    return this.#recent.bytes + this.#actors.bytes;
  }

  /**
   * Takes over a connected socket. `page` sockets may send commands; sockets that `reads` receive the relay
   * (and the replay), the others only send.
   */
  add(socket: WebSocket, kind: 'source' | 'page', reads: boolean): void {
    this.#sockets.set(socket, { kind, reads });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.#receive(socket, kind, data.toString());
    });
    if (kind === 'page') this.#send(socket, this.#options.hello());
    if (reads) for (const text of [...this.#actors.texts(), ...this.#recent.texts()]) socket.send(text);
  }

  /** Sends a server message to every page. */
  broadcast(message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const [socket, { kind }] of this.#sockets) if (kind === 'page' && socket.readyState === WebSocket.OPEN) socket.send(text);
  }

  /** Closes every socket. */
  close(): void {
    for (const socket of this.#sockets.keys()) socket.terminate();
    this.#sockets.clear();
  }

  #receive(from: WebSocket, kind: 'source' | 'page', text: string): void {
    let message: { type?: unknown; sessionId?: unknown; command?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return;
    if (message.type.startsWith('@xstate.')) {
      this.#remember(message.type, message.sessionId, text);
      for (const [socket, { reads }] of this.#sockets) if (reads && socket !== from && socket.readyState === WebSocket.OPEN) socket.send(text);
      return;
    }
    if (kind === 'page' && message.type === 'zoom-ws.command' && typeof message.command === 'string') {
      const command = message.command;
      this.#commands = this.#commands.then(() => this.#run(from, command));
    }
  }

  #remember(type: string, sessionId: unknown, text: string): void {
    if (type === '@xstate.actor' && typeof sessionId === 'string') {
      this.#actors.set(sessionId, text);
      return;
    }
    this.#recent.set(this.#sequence++, text);
  }

  async #run(socket: WebSocket, command: string): Promise<void> {
    let result: ServerMessage;
    if (!this.#options.onCommand) {
      result = { type: 'zoom-ws.command-result', command, ok: false, message: 'no simulator in --attach mode' };
    } else {
      try {
        result = { type: 'zoom-ws.command-result', command, ok: true, message: await this.#options.onCommand(command) };
      } catch (error) {
        result = { type: 'zoom-ws.command-result', command, ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    }
    this.#send(socket, result);
  }

  #send(socket: WebSocket, message: ServerMessage): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }
}
