import WebSocket from 'ws';

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
  /** Inspection messages replayed to a page that connects late. @default 2000 */
  replay?: number;
}

/**
 * The relay between inspection sources and pages. It follows the relay of `@statelyai/inspect`'s
 * `createInspectorServer` — an inspection message from one socket goes to every other socket, and a late
 * joiner gets the recent ones — so any `@statelyai/inspect` WebSocket inspector or receiver works with it.
 * On top of that, sockets of the page (`/ui`) can send commands, which are answered and never relayed.
 */
export class InspectionHub {
  readonly #options: InspectionHubOptions;
  readonly #sockets = new Map<WebSocket, 'source' | 'page'>();
  /** Recent inspection messages (serialized), oldest first. */
  readonly #recent: string[] = [];
  /** Actor registrations, kept apart from the ring so that a late page still learns which actor is which. */
  readonly #actors = new Map<string, string>();
  /** Commands run one after the other, so that answers come back in the order the buttons were pressed. */
  #commands: Promise<void> = Promise.resolve();

  constructor(options: InspectionHubOptions) {
    this.#options = options;
  }

  /** Takes over a connected socket. `page` sockets may send commands; both kinds receive the relay. */
  add(socket: WebSocket, kind: 'source' | 'page'): void {
    this.#sockets.set(socket, kind);
    socket.on('error', () => socket.terminate());
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.#receive(socket, kind, data.toString());
    });
    if (kind === 'page') this.#send(socket, this.#options.hello());
    for (const text of [...this.#actors.values(), ...this.#recent]) socket.send(text);
  }

  /** Sends a server message to every page. */
  broadcast(message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const [socket, kind] of this.#sockets) if (kind === 'page' && socket.readyState === WebSocket.OPEN) socket.send(text);
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
      for (const [socket] of this.#sockets) if (socket !== from && socket.readyState === WebSocket.OPEN) socket.send(text);
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
      if (this.#actors.size > 200) this.#actors.delete(this.#actors.keys().next().value!);
      return;
    }
    this.#recent.push(text);
    if (this.#recent.length > (this.#options.replay ?? 2_000)) this.#recent.shift();
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
