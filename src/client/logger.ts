import { redactText } from '../protocol/redact.js';

/** Console-compatible logger: pass `console`, pino, winston… */
export interface Logger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const noop = () => {};

/** Discards everything: the default, since a library should not write to the console uninvited. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Wraps a logger so that every message, and every string or error passed with it, is scrubbed of the given
 * secrets and of `access_token=` parameters before it reaches the user's logger.
 */
export function createRedactingLogger(target: Logger, secrets: () => Iterable<string>): Logger {
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value, secrets());
    if (value instanceof Error) return redactText(`${value.name}: ${value.message}`, secrets());
    if (value !== null && typeof value === 'object') return JSON.parse(redactText(JSON.stringify(value) ?? 'null', secrets()));
    return value;
  };
  const logger = {} as Logger;
  for (const level of LEVELS) {
    logger[level] = (message: string, ...rest: unknown[]) => {
      target[level](scrub(message) as string, ...rest.map(scrub));
    };
  }
  return logger;
}
