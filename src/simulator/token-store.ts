import { randomBytes } from 'node:crypto';

/** What the WebSocket endpoint thinks of a token. */
export type TokenStatus = 'valid' | 'expired' | 'revoked' | 'unknown';

interface IssuedToken {
  expiresAt: number;
  revoked: boolean;
}

/**
 * Every token the simulator has issued. Several tokens are valid at once: since mid-2023 a new token does
 * not invalidate older ones (protocol §1). Entries are never pruned: one token an hour is nothing, and
 * keeping them lets a revoked token stay "revoked" rather than become "unknown".
 */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Issues an opaque token (`sim.` + 32 base64url characters) valid for `ttlSeconds`. */
  issue(ttlSeconds: number): { accessToken: string; expiresAt: number } {
    const accessToken = `sim.${randomBytes(24).toString('base64url')}`;
    const expiresAt = this.now() + ttlSeconds * 1000;
    this.tokens.set(accessToken, { expiresAt, revoked: false });
    return { accessToken, expiresAt };
  }

  status(accessToken: string): TokenStatus {
    const token = this.tokens.get(accessToken);
    if (!token) return 'unknown';
    if (token.revoked) return 'revoked';
    return this.now() >= token.expiresAt ? 'expired' : 'valid';
  }

  /** Epoch milliseconds at which the token expires, if the simulator issued it. */
  expiresAt(accessToken: string): number | undefined {
    return this.tokens.get(accessToken)?.expiresAt;
  }

  /** Invalidates every token issued so far; tokens issued later are unaffected. */
  revokeAll(): void {
    for (const token of this.tokens.values()) token.revoked = true;
  }

  /** Makes every token issued so far expire now. */
  expireAll(): void {
    const now = this.now();
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }
}
