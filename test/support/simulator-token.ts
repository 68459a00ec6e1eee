import type { ProvidedToken } from '../../src/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';

/** What a service's own token cache would do: fetch a token from the simulator's endpoint with the app's credentials. */
export async function fetchSimulatorToken(sim: Pick<ZoomSimulator, 'credentials' | 'oauthUrl'>): Promise<ProvidedToken> {
  const { clientId, clientSecret, accountId } = sim.credentials;
  const response = await fetch(sim.oauthUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=account_credentials&account_id=${accountId}`,
  });
  const body = (await response.json()) as { access_token: string; expires_in: number };
  return { accessToken: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
}
