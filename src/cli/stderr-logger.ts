import type { Logger } from '../client/logger.js';

/** Human-readable lines on stderr; stdout stays reserved for NDJSON events. */
export function createStderrLogger({ verbose = false } = {}): Logger {
  const write = (level: string) => (message: string, ...rest: unknown[]) => {
    const time = new Date().toISOString().slice(11, 23);
    const extra = rest.length > 0 ? ` ${rest.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(' ')}` : '';
    process.stderr.write(`${time} ${level.padEnd(5)} ${message}${extra}\n`);
  };
  return {
    debug: verbose ? write('debug') : () => {},
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
