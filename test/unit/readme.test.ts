import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectionMachine } from '../../machines/connection.machine.js';
import { DEFAULTS } from '../../src/index.js';
import { toMermaid } from '../../src/diagram/mermaid.js';
import { withDiagram } from '../../src/diagram/readme-block.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the statechart as generated from the machine definition (run `npm run diagram` when this fails)', () => {
    expect(readme).toBe(withDiagram(readme, toMermaid(connectionMachine)));
  });

  it('the diagram names every state and every named delay of the machine', () => {
    const diagram = toMermaid(connectionMachine);
    for (const state of ['idle', 'authenticating', 'connection_connecting', 'connection_open', 'connection_closing', 'backoff', 'closed', 'failed']) {
      expect(diagram).toContain(state);
    }
    for (const delay of ['connectTimeout', 'heartbeatTimeout', 'retryDelay', 'refreshDue', 'refreshRetryDelay', 'closeTimeout']) {
      expect(diagram).toContain(`after ${delay}`);
    }
  });

  it('documents every option default with its real value', () => {
    for (const [name, value] of Object.entries(DEFAULTS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, `README options table has a row for ${name}`).toBeDefined();
      const shown = typeof value === 'number' ? value.toLocaleString('en-US').replaceAll(',', '_') : `'${value}'`;
      expect(row, `README shows the default of ${name}`).toContain(`\`${shown}\``);
    }
  });

  it('keeps the two-command quick start', () => {
    expect(readme).toMatch(/npm install && npm start/);
    expect(readme).toMatch(/^npm test$/m);
  });
});
