import { createHash } from 'node:crypto';

const REDACTED = '[redacted]';

/**
 * `access_token` values in a query or form (`access_token=…`), in JSON (`"access_token":"…"`) and in
 * JSON inside JSON (`\"access_token\":\"…`), whatever the case of the key.
 */
const TOKEN_VALUE = /(access_token(?:\\*")?\s*[:=]\s*(?:\\*")?)[^&#\s"'\\,;}]+/gi;
/**
 * An `Authorization` header echoed back: `Basic base64(id:secret)` or `Bearer <token>`. The value must hold a
 * digit or a symbol, so that prose ("basic information") is left alone.
 */
const AUTHORIZATION_VALUE = /\b(basic|bearer)(\s+|%20|\+)(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{12,}/gi;
/** The shape of a JWT (Zoom's access tokens are JWTs): three base64url parts, the first a JSON object. */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
/** Runs of characters a token can consist of; each is checked against {@link KnownSecrets}' digests. */
const TOKEN_RUNS = [/[A-Za-z0-9._~+/=-]{16,}/g, /[A-Za-z0-9._~-]{16,}/g];

/** Replaces the value of every `access_token` parameter, so a WebSocket URL can be logged. */
export function redactUrl(url: string): string {
  return url.replace(TOKEN_VALUE, `$1${REDACTED}`);
}

/**
 * The secrets a client knows about: fixed ones (client secret, Basic credential) and access tokens.
 *
 * The most recent tokens are kept as values and scrubbed in every encoded form; every token of the client's
 * lifetime is also kept as a SHA-256 digest (up to `digestsKept`, about 7 years of hourly tokens), so an old
 * token is still recognised in raw form — the form a server or a user would echo it in, since tokens are
 * URL-safe — without holding its value. Iterating yields the values.
 */
export class KnownSecrets implements Iterable<string> {
  readonly #fixed: string[] = [];
  readonly #recent: string[] = [];
  readonly #digests = new Set<string>();
  readonly #recentKept: number;
  readonly #digestsKept: number;

  constructor({ recentKept = 8, digestsKept = 65_536 } = {}) {
    this.#recentKept = recentKept;
    this.#digestsKept = digestsKept;
  }

  /** A secret kept for the client's lifetime. */
  add(secret: string): void {
    if (!this.#fixed.includes(secret)) this.#fixed.push(secret);
  }

  addToken(token: string): void {
    this.#recent.push(token);
    if (this.#recent.length > this.#recentKept) this.#recent.shift();
    this.#digests.add(digest(token));
    // Sets iterate in insertion order: the first is the oldest.
    if (this.#digests.size > this.#digestsKept) this.#digests.delete(this.#digests.values().next().value!);
  }

  /** True when `candidate` is a token this client received (any of its lifetime). */
  isKnownToken(candidate: string): boolean {
    return this.#digests.has(digest(candidate));
  }

  get tokenDigestCount(): number {
    return this.#digests.size;
  }

  *[Symbol.iterator](): Iterator<string> {
    yield* this.#fixed;
    yield* this.#recent;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64');
}

/**
 * Scrubs a message of: `access_token` values, echoed `Basic`/`Bearer` credentials, anything shaped like a JWT,
 * every given secret in each form a leak could take — raw, URL-encoded (once or twice, `%20` or `+`), base64 and
 * base64url at any alignment (so the secret inside `base64(id:secret)` too), hex, JSON-escaped (once or twice),
 * in any letter case — and, for {@link KnownSecrets}, every token the client ever received.
 * Applied where server text enters (failure details, error messages) and again by the logger wrapper.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let result = text.replace(TOKEN_VALUE, `$1${REDACTED}`).replace(AUTHORIZATION_VALUE, `$1$2${REDACTED}`).replace(JWT, REDACTED);
  const pattern = patternOf([...secrets]);
  if (pattern) result = result.replace(pattern, REDACTED);
  if (secrets instanceof KnownSecrets && secrets.tokenDigestCount > 0) {
    for (const run of TOKEN_RUNS) result = result.replace(run, (candidate) => (secrets.isKnownToken(candidate) ? REDACTED : candidate));
  }
  return result;
}

/** Every encoded form of `secret` worth looking for; forms shorter than 6 characters would match ordinary text. */
export function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(encodeURIComponent(secret)),
    new URLSearchParams({ v: secret }).toString().slice(2),
    bytes.toString('hex'),
  ]);
  // JSON-escaped once, twice and three times (a JSON body inside a JSON body inside a logged object).
  let escaped = secret;
  for (let level = 0; level < 3; level++) forms.add((escaped = JSON.stringify(escaped).slice(1, -1)));
  // In a longer base64 text the secret starts at one of three byte offsets; at each, the characters that
  // encode only its bytes are fixed, whatever surrounds it.
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const end = Math.floor(padded.length / 3) * 4;
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = padded.toString(encoding);
      forms.add(encoded.slice(offset === 0 ? 0 : 4, end));
      if (offset === 0) forms.add(encoded);
    }
  }
  return [...forms].filter((form) => form.length >= 6);
}

const patterns = new Map<string, RegExp | undefined>();
const PATTERNS_CACHED = 32;

/** One case-insensitive alternation of every form of every secret, longest first; cached per secret list. */
function patternOf(secrets: readonly string[]): RegExp | undefined {
  const usable = secrets.filter((secret) => secret.length >= 4); // shorter: cannot scrub without mangling ordinary words
  const key = usable.join('\0');
  if (patterns.has(key)) return patterns.get(key);
  const forms = [...new Set(usable.flatMap(formsOf))].sort((a, b) => b.length - a.length);
  const pattern = forms.length === 0 ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'gi');
  if (patterns.size >= PATTERNS_CACHED) patterns.delete(patterns.keys().next().value!);
  patterns.set(key, pattern);
  return pattern;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * C0 and C1 controls (CR, LF, ESC…), DEL, line/paragraph separators and bidirectional overrides: anything that
 * could end a log line early, forge another one, or recolour or reorder a terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control characters as visible escapes (`\n`, `\u001b`): a log line stays one line and cannot drive a terminal. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Longest piece of server text (a close reason, a refusal, a module name) kept in a detail. */
export const MAX_SERVER_TEXT = 256;

/** Text a server chose (close reason, refusal content, error reason), made safe to show: escaped and bounded. */
export function describeServerText(text: string, max = MAX_SERVER_TEXT): string {
  return escapeControl(bound(text, max));
}

/** Cuts `text` to `max` characters, saying how much was left out. */
export function bound(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A redirect target as it may be shown: no user info, no query or fragment (either may carry a credential), bounded. */
export function scrubLocation(location: string, base: string): string {
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    return 'an unparsable location';
  }
  return describeServerText(`${url.protocol}//${url.host}${url.pathname}${url.search || url.hash ? ' (query omitted)' : ''}`);
}
