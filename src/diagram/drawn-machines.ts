import type { AnyStateMachine } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import { replicaMachine } from '../../machines/replica.machine.js';

/**
 * The machines the visualizer can draw, each laid out at build time into `visualizer/layouts/<machine id>.json`
 * (`npm run layout`). Add a machine here and run `npm run layout`; a test fails while a shipped layout is stale.
 */
export const DRAWN_MACHINES: readonly AnyStateMachine[] = [connectionMachine, replicaMachine];
