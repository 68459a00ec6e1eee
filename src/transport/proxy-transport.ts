import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { Agent as DirectAgent, fetch as undiciFetch, ProxyAgent, type Dispatcher } from 'undici';
import type { ProxyChoice } from './proxy-choice.js';

/** Key of the direct (unproxied) agent among the dispatchers. */
const DIRECT = 'direct';

/** The fetch signature ky accepts as its `fetch` option. */
export type FetchFunction = typeof globalThis.fetch;

/**
 * One client's way out: the token request goes through undici's `ProxyAgent` (as the dispatcher of undici's
 * fetch), the WebSocket through `https-proxy-agent` (as `ws`'s `agent`); both tunnel with `CONNECT`.
 * A direct token request goes through an undici `Agent` of ours, a direct WebSocket through no agent. `close()`
 * releases the connections undici keeps alive (proxied or direct), so a stopped client lets the process exit.
 */
export class ProxyTransport {
  readonly #choice: ProxyChoice;
  readonly #dispatchers = new Map<string, Dispatcher>();
  readonly #agents = new Map<string, HttpsProxyAgent<string>>();

  constructor(choice: ProxyChoice) {
    this.#choice = choice;
  }

  /** A fetch for ky that goes through the proxy for `target`, or directly through an agent of ours (both released by `close()`). */
  fetchFor(target: string): FetchFunction | undefined {
    const proxy = this.#choice.proxyFor(target);
    if (!proxy) return (input, init) => this.#fetchThrough(undefined, input instanceof Request ? input : new Request(input, init), init);
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

  /**
   * `proxy` undefined: direct, through an agent of our own rather than Node's global pool. A request aborted while
   * its connection was being made leaves that connection idle in the pool for seconds; only an owned agent can be
   * closed when the client stops.
   */
  async #fetchThrough(proxy: URL | undefined, input: Request, init: RequestInit | undefined): Promise<Response> {
    const key = proxy?.href ?? DIRECT;
    let dispatcher = this.#dispatchers.get(key);
    if (!dispatcher) {
      dispatcher = proxy ? new ProxyAgent({ uri: proxy.href }) : new DirectAgent();
      this.#dispatchers.set(key, dispatcher);
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
