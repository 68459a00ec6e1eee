import { fromCallback, fromPromise } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import type { SocketCommand, SocketInput } from '../../machines/connection.types.js';
import { replicaMachine } from '../../machines/replica.machine.js';
import type { AcquireOutcome, LeaseToken } from '../../machines/replica.types.js';
import { heartbeatActor } from '../actors/heartbeat.js';
import { runSocket, type SocketActorConfig } from '../actors/socket.js';
import { requestAccessToken, type TokenRequestConfig } from '../actors/token-request.js';
import type { AccessToken } from '../protocol/secret.js';

/** What the replica's actors do, implemented by {@link ZoomWsCluster} on its lease store. */
export interface ReplicaActorConfig {
  token: TokenRequestConfig;
  /** Replaces the plain token request (a `tokenProvider`); `token` is used without it. Only a leader calls it. */
  obtainToken?: (signal: AbortSignal) => Promise<AccessToken>;
  socket: SocketActorConfig;
  /** The token the current connection child dials under. */
  leaseToken(): LeaseToken | undefined;
  acquire(): Promise<AcquireOutcome>;
  renew(token: LeaseToken): Promise<boolean>;
  /** Ours with enough time left to dial. */
  check(token: LeaseToken): Promise<boolean>;
  /** Closes the sockets, drains publishing, then gives the lease up. */
  release(token: LeaseToken): Promise<boolean>;
  /** The check before a dial found the lease gone. */
  leaseLost(detail: string): void;
}

/**
 * The replica machine with the cluster's actors. The connection machine runs unchanged; only its socket actor
 * differs: it asks Redis whether the lease is still ours (with time left) right before every dial — the first
 * socket and a rotation's new one alike — and never dials when it is not.
 */
export function provideReplicaMachine(config: ReplicaActorConfig) {
  const connection = connectionMachine.provide({
    actors: {
      fetchToken: fromPromise<AccessToken>(({ signal }) => (config.obtainToken ? config.obtainToken(signal) : requestAccessToken(config.token, signal))),
      socket: fromCallback<SocketCommand, SocketInput>((args) => {
        let cleanup: (() => void) | undefined;
        let stopped = false;
        const token = config.leaseToken();
        const checked = token === undefined ? Promise.resolve(false) : config.check(token);
        checked.then(
          (ours) => {
            if (stopped) return;
            if (ours) cleanup = runSocket(config.socket, args);
            else config.leaseLost('the lease was no longer ours (or nearly expired) right before a dial');
          },
          (error: unknown) => {
            if (stopped) return;
            args.sendBack({ type: 'SOCKET.DOWN', socketId: args.input.socketId, reason: 'error', detail: `lease check before the dial failed: ${error instanceof Error ? error.message : String(error)}` });
          },
        );
        return () => {
          stopped = true;
          cleanup?.();
        };
      }),
      heartbeat: heartbeatActor,
    },
  });
  return replicaMachine.provide({
    actors: {
      acquire: fromPromise(() => config.acquire()),
      renew: fromPromise(({ input }: { input: { token: LeaseToken } }) => config.renew(input.token)),
      checkLease: fromPromise(({ input }: { input: { token: LeaseToken } }) => config.check(input.token)),
      release: fromPromise(({ input }: { input: { token: LeaseToken } }) => config.release(input.token)),
      connection,
    },
  });
}
