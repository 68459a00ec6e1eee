import type { DisplacementStyle, ZoomSimulatorOptions } from './types.js';
import { assertSendableCloseCode } from './frames.js';

/** {@link ZoomSimulatorOptions} with every default applied. */
export interface SimulatorSettings {
  readonly host: string;
  readonly port: number;
  readonly accountId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly subscriptionId: string;
  readonly tokenTtlSeconds: number;
  readonly displacementStyle: DisplacementStyle;
  readonly displacementCloseCode: number;
  readonly closeOnTokenExpiry: boolean;
  readonly rejectionWording: string;
}

const DISPLACEMENT_STYLES: readonly DisplacementStyle[] = ['close-reason', 'frame', 'both'];

/** Applies defaults and rejects options that would only fail later, far from their cause. */
export function resolveSettings(options: ZoomSimulatorOptions = {}): SimulatorSettings {
  const settings: SimulatorSettings = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    accountId: options.accountId ?? 'sim-account',
    clientId: options.clientId ?? 'sim-client',
    clientSecret: options.clientSecret ?? 'sim-secret',
    subscriptionId: options.subscriptionId ?? 'sim-subscription',
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    displacementStyle: options.displacementStyle ?? 'close-reason',
    displacementCloseCode: options.displacementCloseCode ?? 1000,
    closeOnTokenExpiry: options.closeOnTokenExpiry ?? false,
    rejectionWording: options.rejectionWording ?? 'Invalid Token',
  };
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535) {
    throw new RangeError(`port must be an integer between 0 and 65535, got ${settings.port}`);
  }
  if (!(settings.tokenTtlSeconds > 0) || !Number.isFinite(settings.tokenTtlSeconds)) {
    throw new RangeError(`tokenTtlSeconds must be a positive number, got ${settings.tokenTtlSeconds}`);
  }
  if (!DISPLACEMENT_STYLES.includes(settings.displacementStyle)) {
    throw new RangeError(`displacementStyle must be one of ${DISPLACEMENT_STYLES.join(', ')}`);
  }
  assertSendableCloseCode(settings.displacementCloseCode);
  return settings;
}
