/**
 * Hostile input (issue 3, part 3): arbitrary options never crash the client — they produce a working client
 * or a typed {@link ZoomWsConfigError} naming the field, and the message never repeats a secret.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, ZoomWsClient, ZoomWsConfigError } from '../../src/index.js';
import { resolveOptions } from '../../src/client/options.js';

const SEED = 0x5eed_0004;
const SECRET = 'hostile-S3CRET-value';
const VALID = { accountId: 'acc', clientId: 'cid', clientSecret: SECRET, subscriptionId: 'sub' };
const FIELDS = [...Object.keys(VALID), ...Object.keys(DEFAULTS), 'maxAttempts', 'logger', 'inspect'];

/** Values that test the schema's edges: wrong types, out-of-range numbers, odd strings, objects with tricks. */
const hostileValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 0.5, 2 ** 31, 2 ** 53, -0, '', '  ', '\u0000', 'ws://', 'http://x', 'ws://127.0.0.1:9/inspect', 'javascript:alert(1)', null, undefined, [], {}),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constant({ toString: () => { throw new Error('boom'); } }),
  fc.constant(new Proxy({}, { get: () => { throw new Error('trap'); } })),
);

function expectTypedOrValid(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ZoomWsConfigError);
    expect((error as ZoomWsConfigError).field).toMatch(/\S/);
    expect((error as Error).message).not.toContain(SECRET);
  }
}

describe('option validation (property tests)', () => {
  it('one hostile field on top of valid options: a typed error naming a field, or a valid client', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS, 'unknownOption', '__proto__', 'constructor'), hostileValue, (field, value) => {
        expectTypedOrValid(() => new ZoomWsClient({ ...VALID, [field]: value } as never));
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('arbitrary option objects (and non-objects): never anything but ZoomWsConfigError', () => {
    const options = fc.oneof(
      fc.dictionary(fc.constantFrom(...FIELDS), hostileValue),
      fc.record({ ...Object.fromEntries(FIELDS.map((field) => [field, hostileValue])) }, { requiredKeys: [] }),
      fc.anything(),
    );
    fc.assert(
      fc.property(options, (value) => {
        expectTypedOrValid(() => resolveOptions(value));
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('a secret given in the wrong field is never echoed back', () => {
    for (const field of ['clientId', 'accountId', 'subscriptionId', 'wsUrl', 'oauthUrl', 'heartbeatInterval', 'inspect', 'logger']) {
      for (const value of [{ secret: SECRET }, `ws://${SECRET}`, [SECRET], 12.5]) {
        try {
          resolveOptions({ ...VALID, [field]: value });
        } catch (error) {
          expect(error).toBeInstanceOf(ZoomWsConfigError);
          expect((error as Error).message).not.toContain(SECRET);
        }
      }
    }
  });

  it('documents the frame size limit: maxPayload defaults to 1 MiB and is at least 1 KiB', () => {
    expect(DEFAULTS.maxPayload).toBe(1024 * 1024);
    expect(resolveOptions(VALID).maxPayload).toBe(1024 * 1024);
    expect(() => resolveOptions({ ...VALID, maxPayload: 1023 })).toThrow(ZoomWsConfigError);
  });
});
