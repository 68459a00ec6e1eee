import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tokenResponseSchema } from '../../src/protocol/token-response.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const oauthDir = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events', 'oauth');

function fixture(name: string): unknown {
  const file = path.join(oauthDir, name);
  if (!existsSync(file)) throw new Error(`Fixture ${file} is missing: put a copy of shared/ beside the repository (../shared)`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('token response (real and documented bodies)', () => {
  it('accepts the body as documented on the WebSockets page (Access_token, Expire_in, array scope)', () => {
    const parsed = tokenResponseSchema.parse(fixture('token_200_as_documented_on_websockets_page.json'));
    expect(parsed.access_token).toBe('eyJ.REDACTED');
    expect(parsed.expires_in).toBe(3600);
    expect(parsed.scope).toBe('marketplace:write:websocket_connection');
  });

  it('accepts the real body unchanged', () => {
    const parsed = tokenResponseSchema.parse(fixture('token_200_real_client_credentials.json'));
    expect(parsed.expires_in).toBe(3600);
    expect(parsed.scope).toMatch(/marketplace:write:websocket_connection/);
  });

  it('prefers the correctly cased key and still refuses an unusable body', () => {
    expect(tokenResponseSchema.parse({ ACCESS_TOKEN: 'other', access_token: 'right', expires_in: 1 }).access_token).toBe('right');
    expect(tokenResponseSchema.safeParse({ access_token: 'a', expires_in: 'soon' }).success).toBe(false);
    expect(tokenResponseSchema.safeParse({ Access_token: '', Expire_in: 3600 }).success).toBe(false);
  });
});
