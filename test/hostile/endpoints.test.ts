/**
 * Endpoint options (issue 9 §3): a cleartext URL to a non-loopback host would send the Basic credential or the
 * token unencrypted, so it is refused unless `allowInsecureEndpoints` (CLI `--allow-insecure`) says otherwise;
 * user info in `oauthUrl` and a fragment in `wsUrl` are refused, and the refusal never repeats the password.
 */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/client/options.js';
import { listenOptionsFrom, parseListenArgs } from '../../src/cli/listen-options.js';
import { ZoomWsConfigError } from '../../src/index.js';
import { runCli } from '../support/cli.js';

const VALID = { accountId: 'acc', clientId: 'cid', clientSecret: 'endpoint-S3CRET', subscriptionId: 'sub' };

function refusal(options: Record<string, unknown>): ZoomWsConfigError {
  try {
    resolveOptions({ ...VALID, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ZoomWsConfigError);
    return error as ZoomWsConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('cleartext endpoints', () => {
  it.each([
    ['oauthUrl', 'http://zoom.us/oauth/token'],
    ['oauthUrl', 'http://10.0.0.5:8080/oauth/token'],
    ['oauthUrl', 'http://[2001:db8::1]/oauth/token'],
    ['oauthUrl', 'http://localhost.evil.example/oauth/token'],
    ['wsUrl', 'ws://ws.zoom.us/ws'],
    ['wsUrl', 'ws://192.168.1.10/ws'],
  ])('%s %s is refused, naming the field and the opt-in', (field, url) => {
    const error = refusal({ [field]: url });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/cleartext/);
    expect(error.message).toMatch(/allowInsecureEndpoints/);
  });

  it.each([
    'http://127.0.0.1:9000/oauth/token',
    'http://127.8.9.10/oauth/token',
    'http://localhost:9000/oauth/token',
    'http://LOCALHOST/oauth/token',
    'http://[::1]:9000/oauth/token',
    'http://2130706433/oauth/token',
  ])('loopback %s stays allowed (the simulator runs there)', (url) => {
    expect(resolveOptions({ ...VALID, oauthUrl: url, wsUrl: url.replace('http', 'ws') }).oauthUrl).toBe(url);
  });

  it('allowInsecureEndpoints: true lets a cleartext non-loopback endpoint through; it defaults to false', () => {
    expect(resolveOptions(VALID).allowInsecureEndpoints).toBe(false);
    const resolved = resolveOptions({ ...VALID, oauthUrl: 'http://zoom.internal/oauth/token', wsUrl: 'ws://zoom.internal/ws', allowInsecureEndpoints: true });
    expect(resolved.wsUrl).toBe('ws://zoom.internal/ws');
    expect(refusal({ allowInsecureEndpoints: 'yes' }).field).toBe('allowInsecureEndpoints');
  });

  it('the CLI flag --allow-insecure sets the option; without it the CLI exits 2 naming ZOOM_OAUTH_URL', async () => {
    const env = { ZOOM_ACCOUNT_ID: 'a', ZOOM_CLIENT_ID: 'c', ZOOM_CLIENT_SECRET: 's', ZOOM_SUBSCRIPTION_ID: 'x', ZOOM_OAUTH_URL: 'http://zoom.internal/oauth/token' };
    expect(listenOptionsFrom(env, parseListenArgs(['--allow-insecure'])).allowInsecureEndpoints).toBe(true);
    expect(listenOptionsFrom(env, parseListenArgs([])).allowInsecureEndpoints).toBeUndefined();
    const run = runCli(['listen'], env);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/ZOOM_OAUTH_URL.*cleartext.*--allow-insecure/);
  });
});

describe('URL parts that do not belong', () => {
  it('user info in oauthUrl is refused and the password is not repeated', () => {
    for (const url of ['https://user:hunter2-pass@zoom.us/oauth/token', 'https://hunter2-pass@zoom.us/oauth/token', 'http://u:hunter2-pass@127.0.0.1:1/oauth/token']) {
      const error = refusal({ oauthUrl: url });
      expect(error.field).toBe('oauthUrl');
      expect(error.message).toMatch(/user name or password/);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('user info in wsUrl is refused too (ws would send it as a Basic header)', () => {
    expect(refusal({ wsUrl: 'wss://u:hunter2-pass@ws.zoom.us/ws' }).message).not.toContain('hunter2');
  });

  it.each(['wss://ws.zoom.us/ws#frag', 'wss://ws.zoom.us/ws#', 'ws://127.0.0.1:9/ws?x=1#y'])('a fragment in wsUrl (%s) is refused', (url) => {
    const error = refusal({ wsUrl: url });
    expect(error.field).toBe('wsUrl');
    expect(error.message).toMatch(/fragment/);
  });
});
