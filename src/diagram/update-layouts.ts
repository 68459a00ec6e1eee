import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DRAWN_MACHINES } from './drawn-machines.js';
import { renderLayoutFiles } from './layout-files.js';

// `npm run layout`: lays out every drawn machine with ELK (a build-time tool, a devDependency) and writes
// visualizer/layouts/, which the package ships, so that users install no layout engine.
const dir = fileURLToPath(new URL('../../../visualizer/layouts/', import.meta.url));
mkdirSync(dir, { recursive: true });
const files = await renderLayoutFiles(DRAWN_MACHINES);
const changed: string[] = [];
for (const [name, text] of files) {
  let before: string | undefined;
  try {
    before = readFileSync(join(dir, name), 'utf8');
  } catch {
    before = undefined;
  }
  if (before !== text) {
    writeFileSync(join(dir, name), text);
    changed.push(name);
  }
}
for (const name of readdirSync(dir)) {
  if (name.endsWith('.json') && !files.has(name)) {
    rmSync(join(dir, name));
    changed.push(`${name} (removed)`);
  }
}
process.stdout.write(changed.length === 0 ? 'layouts already up to date\n' : `layouts updated: ${changed.join(', ')}\n`);
