import { readFileSync, writeFileSync } from 'node:fs';
import { connectionMachine } from '../../machines/connection.machine.js';
import { toMermaid } from './mermaid.js';
import { replicaMachine } from '../../machines/replica.machine.js';
import { REPLICA_BEGIN, REPLICA_END, withDiagram } from './readme-block.js';

// `npm run diagram`: rewrites the statechart block of README.md from the machine definition.
const path = new URL('../../../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withDiagram(withDiagram(before, toMermaid(connectionMachine)), toMermaid(replicaMachine), { begin: REPLICA_BEGIN, end: REPLICA_END });
writeFileSync(path, after);
process.stdout.write(before === after ? 'README diagram already up to date\n' : 'README diagram updated\n');
