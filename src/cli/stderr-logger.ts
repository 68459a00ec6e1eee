import type { Logger } from '../client/logger.js';
import { escapeControl } from '../protocol/redact.js';

/**
 * Human-readable lines on stderr; stdout stays reserved for NDJSON events. Each call writes exactly one line:
 * control characters are escaped here too, whatever logger wrapper the text came through.
 */
export function createStderrLogger({ verbose = false } = {}): Logger {
  const write = (level: string) => (message: string, ...rest: unknown[]) => {
    const time = new Date().toISOString().slice(11, 23);
    const extra = rest.length > 0 ? ` ${rest.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ')}` : '';
    process.stderr.write(`${time} ${level.padEnd(5)} ${escapeControl(`${message}${extra}`)}\n`);
  };
  return {
    debug: verbose ? write('debug') : () => {},
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
