import { fromCallback, fromPromise, type ActorSystem } from 'xstate';
import { connectionMachine } from '../../machines/connection.machine.js';
import type { SocketCommand, SocketInput } from '../../machines/connection.types.js';
import { heartbeatActor } from '../actors/heartbeat.js';
import { runSocket, type SocketActorConfig } from '../actors/socket.js';
import { requestAccessToken, type TokenRequestConfig } from '../actors/token-request.js';
import type { AccessToken } from '../protocol/secret.js';

/** What one client's actors need: its endpoints, credentials and the sink of its socket. */
export interface ClientActorConfig {
  token: TokenRequestConfig;
  /** Replaces the plain token request (a `tokenProvider`, result counting); `token` is used without it. */
  obtainToken?: (signal: AbortSignal) => Promise<AccessToken>;
  socket: SocketActorConfig;
}

// Keyed by the actor system that a client's root actor creates: every actor of that client (and only of that
// client) sees the same system object, and the entry goes away with the client.
const configBySystem = new WeakMap<ActorSystem<any>, ClientActorConfig>();

function configOf(system: ActorSystem<any>): ClientActorConfig {
  const config = configBySystem.get(system);
  // Only reachable if someone runs `clientMachine` with createActor() directly instead of through the client.
  if (!config) throw new Error('clientMachine runs only inside a ZoomWsClient (no config is bound to this actor system)');
  return config;
}

/**
 * The connection machine with the real actors, provided once for every client. `provide()` builds a whole new
 * state-node tree (~40 KB of heap); done per client it was most of a client's memory. The actors instead find
 * their client's config through the actor system they run in, bound by {@link bindClientConfig}.
 */
export const clientMachine = connectionMachine.provide({
  actors: {
    fetchToken: fromPromise<AccessToken>(({ system, signal }) => {
      const config = configOf(system);
      return config.obtainToken ? config.obtainToken(signal) : requestAccessToken(config.token, signal);
    }),
    socket: fromCallback<SocketCommand, SocketInput>((args) => runSocket(configOf(args.system).socket, args)),
    heartbeat: heartbeatActor,
  },
});

/** Binds a client's config to the actor system of its root actor, before the actor starts. */
export function bindClientConfig(actor: { system: ActorSystem<any> }, config: ClientActorConfig): void {
  configBySystem.set(actor.system, config);
}
