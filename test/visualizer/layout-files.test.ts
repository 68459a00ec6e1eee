import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { DRAWN_MACHINES } from '../../src/diagram/drawn-machines.js';
import { layoutFileName, renderLayoutFiles } from '../../src/diagram/layout-files.js';

const SHIPPED = fileURLToPath(new URL('../../visualizer/layouts/', import.meta.url));

describe('layouts computed at build time (visualizer/layouts)', () => {
  it('the shipped layouts are those of the current machine definitions (else: npm run layout)', async () => {
    const expected = await renderLayoutFiles(DRAWN_MACHINES);
    const shipped = new Map(readdirSync(SHIPPED).filter((name) => name.endsWith('.json')).map((name) => [name, readFileSync(`${SHIPPED}${name}`, 'utf8')]));
    expect([...shipped.keys()].sort(), 'run `npm run layout`').toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) expect(shipped.get(name) === text, `visualizer/layouts/${name} is stale: run \`npm run layout\``).toBe(true);
  });

  it('lays out any machine, and a changed machine gives a different layout', async () => {
    const toggle = (extra: boolean) => createMachine({ id: 'toggle', initial: 'off', states: { off: { on: { FLIP: 'on' } }, on: { on: { FLIP: 'off', ...(extra ? { BREAK: 'broken' } : {}) } }, broken: {} } });
    const before = await renderLayoutFiles([toggle(false)]);
    const after = await renderLayoutFiles([toggle(true)]);
    expect(JSON.parse(before.get('index.json')!)).toEqual({ machines: [{ id: 'toggle', file: 'toggle.json' }] });
    expect(after.get('toggle.json')).not.toBe(before.get('toggle.json'));
    expect(JSON.parse(after.get('toggle.json')!).transitions.map((t: { target: string }) => t.target)).toContain('toggle.broken');
  });

  it('refuses a machine id that cannot be a file name', () => {
    expect(() => layoutFileName('../evil')).toThrow(/cannot name a layout file/);
    expect(() => layoutFileName('index')).toThrow(/cannot name a layout file/);
  });
});
