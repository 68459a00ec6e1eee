import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONSUME_FLAGS, CONSUME_SWITCHES } from '../../src/cli/consume.js';
import { FORWARD_FLAGS } from '../../src/cli/forward.js';
import { LISTEN_FLAGS, LISTEN_SWITCHES } from '../../src/cli/listen-options.js';
import { RELAY_FLAGS } from '../../src/cli/relay.js';
import { CLI } from '../support/cli.js';

describe('zoom-ws --help', () => {
  const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });

  it.each([
    ['listen', [...LISTEN_FLAGS, ...LISTEN_SWITCHES]],
    ['relay', RELAY_FLAGS],
    ['consume', [...CONSUME_FLAGS, ...CONSUME_SWITCHES]],
    ['forward', FORWARD_FLAGS],
  ])('names every flag that %s accepts', (_command, flags) => {
    const missing = flags.filter((flag) => !new RegExp(`--${flag}(?![\\w-])`).test(help));
    expect(missing).toEqual([]);
  });
});
