import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replicaMachine } from '../../machines/replica.machine.js';
import { CLUSTER_DEFAULTS } from '../../src/cluster/cluster-options.js';
import { toMermaid } from '../../src/diagram/mermaid.js';
import { REPLICA_BEGIN, REPLICA_END, withDiagram } from '../../src/diagram/readme-block.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README: Running several replicas', () => {
  it('shows the replica statechart as generated from the machine (run `npm run diagram` when this fails)', () => {
    expect(readme).toBe(withDiagram(readme, toMermaid(replicaMachine), { begin: REPLICA_BEGIN, end: REPLICA_END }));
    const diagram = toMermaid(replicaMachine);
    for (const state of ['idle', 'standby', 'leading', 'releasing', 'stopped']) expect(diagram).toContain(state);
    for (const delay of ['renewInterval', 'renewDeadline', 'acquireDelay', 'retakeDelay', 'displacedDelay']) expect(diagram).toContain(`after ${delay}`);
  });

  it('documents every lease option default with its real value', () => {
    for (const name of ['leaseTtl', 'renewInterval', 'renewDeadline', 'acquireInterval', 'keyPrefix', 'retention'] as const) {
      const value = CLUSTER_DEFAULTS[name];
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, `a row for ${name}`).toBeDefined();
      const shown = typeof value === 'number' ? value.toLocaleString('en-US').replaceAll(',', '_') : `'${value}'`;
      expect(row).toContain(`\`${shown}\``);
    }
  });

  it('documents the public Redis layout', () => {
    for (const key of ['P:{S}:lease', 'P:{S}:events', 'P:{S}:outages']) expect(readme).toContain(`\`${key}\``);
    expect(readme).toMatch(/appendonly yes/);
    expect(readme).toMatch(/noeviction/);
    expect(readme).toMatch(/Readiness must not mean leadership/);
  });
});
