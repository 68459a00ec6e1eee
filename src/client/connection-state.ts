import type { SnapshotFrom } from 'xstate';
import type { ConnectionMachine } from '../../machines/connection.machine.js';

/** The lifecycle phase a user cares about: the machine's state without the parallel details of `open`. */
export type ConnectionState = 'idle' | 'authenticating' | 'connecting' | 'open' | 'closing' | 'backoff' | 'closed' | 'failed';

export function connectionStateOf(snapshot: SnapshotFrom<ConnectionMachine>): ConnectionState {
  const value = snapshot.value;
  if (typeof value === 'string') return value as ConnectionState;
  const inner = value.connection;
  return (typeof inner === 'string' ? inner : 'open') as ConnectionState;
}
