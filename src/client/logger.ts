import { bound, escapeControl, redactText } from '../protocol/redact.js';

/** Console-compatible logger: pass `console`, pino, winston… */
export interface Logger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const noop = () => {};

/** Longest message (and longest string in its arguments) handed to the user's logger. */
export const MAX_LOG_TEXT = 4_096;

/** Discards everything: the default, since a library should not write to the console uninvited. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Scrubbed of secrets, control characters escaped, bounded: what any text must be before it is logged. */
export function cleanLogText(text: string, secrets: Iterable<string>): string {
  return escapeControl(bound(redactText(text, secrets), MAX_LOG_TEXT));
}

/**
 * Wraps a logger so that every message, and every string, error or object passed with it, is scrubbed of the
 * given secrets (and of tokens, `access_token=` values and echoed credentials), has its control characters
 * escaped (a close reason with CR/LF or ANSI escapes cannot forge log lines or drive a terminal) and is bounded
 * in length, before it reaches the user's logger.
 */
export function createRedactingLogger(target: Logger, secrets: () => Iterable<string>): Logger {
  const clean = (text: string) => cleanLogText(text, secrets());
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return clean(value);
    if (value instanceof Error) return clean(`${value.name}: ${value.message}`);
    if (value !== null && typeof value === 'object') {
      // Scrubbing the JSON text and then each string parsed back catches a secret at any depth of escaping.
      let json: string;
      try {
        json = redactText(JSON.stringify(value) ?? 'null', secrets());
        return mapStrings(JSON.parse(json), clean);
      } catch {
        // Circular, a BigInt, or a redaction that cut through an escape: the text is still safe to show.
        return clean(String(value));
      }
    }
    return value;
  };
  const logger = {} as Logger;
  for (const level of LEVELS) {
    logger[level] = (message: string, ...rest: unknown[]) => {
      target[level](clean(String(message)), ...rest.map(scrub));
    };
  }
  return logger;
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), mapStrings(item, map)]));
  }
  return value;
}
