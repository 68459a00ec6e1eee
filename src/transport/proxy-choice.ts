import { ZoomWsConfigError } from '../errors.js';

/** The `proxy` option: a proxy URL, `false` for direct connections whatever the environment, or unset to read it. */
export type ProxySetting = string | false | undefined;

/** Environment variables read when `proxy` is unset, lower case first (as curl and undici do). */
const PROXY_ENV = {
  secure: ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'],
  plain: ['http_proxy', 'HTTP_PROXY'],
} as const;
const NO_PROXY_ENV = ['no_proxy', 'NO_PROXY'] as const;

/** Where a connection to one kind of target goes: a proxy, or direct. Decided once per client. */
export interface ProxyChoice {
  /** The proxy for `target` (an `https:`/`wss:`/`http:`/`ws:` URL), or `undefined` to connect directly. */
  proxyFor(target: string | URL): URL | undefined;
  /** Every proxy this choice can pick (to scrub their credentials and close their agents). */
  readonly proxies: readonly URL[];
}

/**
 * Resolves the `proxy` option against the environment. An explicit URL replaces `HTTPS_PROXY`/`HTTP_PROXY`;
 * `NO_PROXY` is honoured in both cases (as curl does), and `false` ignores the environment altogether.
 * @throws {ZoomWsConfigError} naming the option or variable when a proxy URL is not an http(s) URL.
 */
export function resolveProxyChoice(setting: ProxySetting, env: NodeJS.ProcessEnv = process.env): ProxyChoice {
  if (setting === false) return { proxyFor: () => undefined, proxies: [] };
  const secure = setting === undefined ? fromEnv(env, PROXY_ENV.secure) : { value: setting, name: 'proxy' };
  const plain = setting === undefined ? fromEnv(env, PROXY_ENV.plain) : secure;
  const secureProxy = secure && parseProxyUrl(secure.value, secure.name);
  const plainProxy = plain && parseProxyUrl(plain.value, plain.name);
  const bypass = noProxyMatcher(firstSet(env, NO_PROXY_ENV) ?? '');
  const proxies = [...new Set([secureProxy, plainProxy].filter((url): url is URL => url !== undefined))];
  return {
    proxies,
    proxyFor(target) {
      const url = typeof target === 'string' ? new URL(target) : target;
      const isSecure = url.protocol === 'https:' || url.protocol === 'wss:';
      const proxy = isSecure ? secureProxy : plainProxy;
      if (!proxy || bypass(url)) return undefined;
      return proxy;
    },
  };
}

function fromEnv(env: NodeJS.ProcessEnv, names: readonly string[]): { value: string; name: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, name };
  }
  return undefined;
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): string | undefined {
  for (const name of names) if (env[name] !== undefined) return env[name];
  return undefined;
}

function parseProxyUrl(value: string, source: string): URL {
  let url: URL;
  try {
    // `HTTP_PROXY=proxy.corp:3128` (no scheme) is common and means http.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ZoomWsConfigError(source, 'must be an http:// or https:// proxy URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ZoomWsConfigError(source, 'must be an http:// or https:// proxy URL');
  return url;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'ws:': '80', 'https:': '443', 'wss:': '443' };

/**
 * `NO_PROXY` as curl and undici read it: comma- or space-separated host names (a leading `.` or `*.` matches
 * sub-domains; a bare name matches itself and its sub-domains), optional `:port`, IP literals, or `*` for all.
 */
export function noProxyMatcher(value: string): (target: URL) => boolean {
  const entries = value.split(/[\s,]+/).map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  if (entries.includes('*')) return () => true;
  const rules = entries.map((entry) => {
    const portMatch = /^(.*?)(?::(\d+))?$/.exec(entry.startsWith('[') ? entry.replace(/^\[([^\]]+)\]/, '$1') : entry)!;
    const host = portMatch[1]!.replace(/^\*?\./, '');
    return { host, port: portMatch[2] };
  });
  return (target) => {
    const hostname = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const port = target.port || DEFAULT_PORTS[target.protocol] || '';
    return rules.some((rule) => (rule.port === undefined || rule.port === port) && (hostname === rule.host || hostname.endsWith(`.${rule.host}`)));
  };
}

/** What must be scrubbed from messages: the proxy's password (raw and decoded) and its `user:password` pair. */
export function proxyCredentials(proxies: readonly URL[]): string[] {
  const secrets: string[] = [];
  for (const proxy of proxies) {
    if (!proxy.password) continue;
    const password = safeDecode(proxy.password);
    secrets.push(proxy.password, password, `${safeDecode(proxy.username)}:${password}`);
  }
  return [...new Set(secrets)];
}

/** A proxy URL fit for a log line: no user name, no password. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
