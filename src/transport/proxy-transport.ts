import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import type { ProxyChoice } from './proxy-choice.js';

/** The fetch signature ky accepts as its `fetch` option. */
export type FetchFunction = typeof globalThis.fetch;

/**
 * One client's way out: the token request goes through undici's `ProxyAgent` (as the dispatcher of undici's
 * fetch), the WebSocket through `https-proxy-agent` (as `ws`'s `agent`); both tunnel with `CONNECT`.
 * Direct targets use Node's own fetch and no agent, exactly as without a proxy. `close()` releases the
 * proxy connections undici keeps alive, so a stopped client lets the process exit.
 */
export class ProxyTransport {
  readonly #choice: ProxyChoice;
  readonly #dispatchers = new Map<string, ProxyAgent>();
  readonly #agents = new Map<string, HttpsProxyAgent<string>>();

  constructor(choice: ProxyChoice) {
    this.#choice = choice;
  }

  /** A fetch for ky that goes through the proxy for `target`, or `undefined` when `target` is reached directly. */
  fetchFor(target: string): FetchFunction | undefined {
    const proxy = this.#choice.proxyFor(target);
    if (!proxy) return undefined;
    return (input, init) => this.#fetchThrough(proxy, input instanceof Request ? input : new Request(input, init), init);
  }

  /** The `ws` agent for `target`, or `undefined` for a direct connection. */
  agentFor(target: string): Agent | undefined {
    const proxy = this.#choice.proxyFor(target);
    if (!proxy) return undefined;
    let agent = this.#agents.get(proxy.href);
    if (!agent) {
      // keepAlive off: a tunnel carries one WebSocket and ends with it.
      agent = new HttpsProxyAgent(proxy.href, { keepAlive: false });
      this.#agents.set(proxy.href, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const dispatchers = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close().catch(() => dispatcher.destroy())));
  }

  async #fetchThrough(proxy: URL, input: Request, init: RequestInit | undefined): Promise<Response> {
    let dispatcher = this.#dispatchers.get(proxy.href);
    if (!dispatcher) {
      dispatcher = new ProxyAgent({ uri: proxy.href });
      this.#dispatchers.set(proxy.href, dispatcher);
    }
    // undici's fetch only recognises its own Request class: hand it the parts of ky's (Node's) Request.
    const body = input.body === null ? undefined : await input.arrayBuffer();
    const headers: [string, string][] = [];
    input.headers.forEach((value, name) => headers.push([name, value]));
    const response = await undiciFetch(input.url, {
      method: input.method,
      headers,
      body,
      redirect: input.redirect,
      signal: init?.signal ?? input.signal,
      dispatcher,
    });
    return response as unknown as Response;
  }
}
