import { redactText } from '../protocol/redact.js';
import { Secret } from '../protocol/secret.js';

/** What every scrubbed value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * String values under these keys are never shown, whatever they look like: a bearer header, a raw token in
 * a custom event, a password. Objects under such keys are still walked (an `AccessToken` keeps its
 * `expiresAt`, which the visualizer shows, while its `value` is a {@link Secret}).
 */
const SENSITIVE_KEY = /secret|passw|authori[sz]ation|token|credential|api_?key|cookie/i;

/** Deeper than any snapshot of the connection machine; stops a pathological value from costing much. */
const MAX_DEPTH = 12;

export interface RedactOptions {
  /** Known secret values (client secret, recent tokens) scrubbed from every string, in raw, URL and base64 form. */
  secrets?: () => Iterable<string>;
}

/**
 * A JSON-safe, scrubbed deep copy of `value`, for inspection events that leave the process.
 *
 * The machine's context is safe by construction (tokens and the client secret are {@link Secret}s), so this
 * is defence in depth for what is not typed: error objects, events from actors, user-sent events. It
 * replaces every `Secret`, every string under a sensitive key, every `access_token=` query value and every
 * known secret value; it never throws (a value it cannot read becomes a placeholder).
 */
export function redactForInspection(value: unknown, options: RedactOptions = {}): unknown {
  const secrets = [...(options.secrets?.() ?? [])];
  return walk(value, '', 0, new Set(), secrets);
}

function walk(value: unknown, key: string, depth: number, ancestors: Set<object>, secrets: readonly string[]): unknown {
  try {
    switch (typeof value) {
      case 'string':
        return SENSITIVE_KEY.test(key) ? REDACTED : redactText(value, secrets);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
      case 'undefined':
        return value;
      case 'bigint':
        return value.toString();
      case 'symbol':
        return undefined;
      case 'function':
        // As @statelyai/inspect does: an implementation is shown by its name (inline actions in a definition).
        return { type: value.name || 'anonymous' };
    }
    if (value === null) return null;
    const object = value as object;
    if (object instanceof Secret) return REDACTED;
    if (ancestors.has(object)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    ancestors.add(object);
    try {
      return walkObject(object, depth, ancestors, secrets);
    } finally {
      ancestors.delete(object);
    }
  } catch {
    return '[unreadable]';
  }
}

function walkObject(object: object, depth: number, ancestors: Set<object>, secrets: readonly string[]): unknown {
  const next = (child: unknown, key: string) => walk(child, key, depth + 1, ancestors, secrets);
  if (object instanceof Error) return errorShape(object, next);
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (Array.isArray(object)) return object.map((item, index) => next(item, String(index)) ?? null);
  if (object instanceof Map) return Object.fromEntries([...object].map(([k, v]) => [String(k), next(v, String(k))]));
  if (object instanceof Set) return [...object].map((item, index) => next(item, String(index)) ?? null);
  // Snapshots, actor refs and URLs describe themselves; the result is walked like anything else.
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return next(toJSON.call(object), '');
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(object)) {
    const copy = next(child, key);
    if (copy !== undefined) result[key] = copy;
  }
  return result;
}

/**
 * `name`, `message`, the error's own fields (`code`, `status`, `failure`…) and a short cause. Nothing else:
 * an HTTP library's error may hold the request with its `Authorization` header.
 */
function errorShape(error: Error, next: (child: unknown, key: string) => unknown): Record<string, unknown> {
  const shape: Record<string, unknown> = { name: error.name, message: next(error.message, 'message') };
  for (const [key, child] of Object.entries(error)) {
    if (typeof child === 'object' && child !== null) continue;
    const copy = next(child, key);
    if (copy !== undefined) shape[key] = copy;
  }
  const { cause } = error as { cause?: unknown };
  if (cause instanceof Error) shape.cause = { name: cause.name, message: next(cause.message, 'message') };
  return shape;
}
