import { ZoomWsConfigError } from '../errors.js';

/**
 * Loopback hosts, where cleartext never leaves the machine: `localhost`, 127.0.0.0/8 and `::1`. The WHATWG URL
 * parser has already normalised other spellings (`2130706433`, `0x7f.1`, `LOCALHOST`) into these.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Refuses endpoint URLs that would leak or misroute a credential: user info (in `oauthUrl` it was retried
 * forever and logged; in `wsUrl` ws would send it as a Basic header), a fragment in `wsUrl` (never sent, so
 * surely a typo), and cleartext `http:`/`ws:` to a host other than loopback unless `allowInsecure`. Messages
 * name the field and the problem, never the URL (it may hold a password).
 */
export function checkEndpoints(endpoints: { oauthUrl: string; wsUrl: string }, allowInsecure: boolean): void {
  for (const [field, raw, cleartext] of [['oauthUrl', endpoints.oauthUrl, 'http:'], ['wsUrl', endpoints.wsUrl, 'ws:']] as const) {
    const url = new URL(raw);
    if (url.username !== '' || url.password !== '') {
      throw new ZoomWsConfigError(field, 'must not contain a user name or password (the credentials are clientId and clientSecret)');
    }
    if (field === 'wsUrl' && raw.includes('#')) throw new ZoomWsConfigError(field, 'must not contain a #fragment');
    if (url.protocol === cleartext && !allowInsecure && !isLoopbackHost(url.hostname)) {
      const secure = cleartext === 'http:' ? 'https://' : 'wss://';
      throw new ZoomWsConfigError(field, `uses cleartext ${cleartext}// to a host other than loopback, which would send the credential unencrypted; use ${secure} or set allowInsecureEndpoints: true`);
    }
  }
}
