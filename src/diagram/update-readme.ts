import { readFileSync, writeFileSync } from 'node:fs';
import { connectionMachine } from '../../machines/connection.machine.js';
import { toMermaid } from './mermaid.js';
import { withDiagram } from './readme-block.js';

// `npm run diagram`: rewrites the statechart block of README.md from the machine definition.
const path = new URL('../../../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withDiagram(before, toMermaid(connectionMachine));
writeFileSync(path, after);
process.stdout.write(before === after ? 'README diagram already up to date\n' : 'README diagram updated\n');
