import type { JitterSettings } from './delivery-jitter.js';
import { assertSendableCloseCode } from './frames.js';
import type { DeliveryJitterOptions, DisplacementStyle, ZoomSimulatorOptions } from './types.js';

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
  /** `undefined`: no jitter. */
  readonly deliveryJitter: JitterSettings | undefined;
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
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    displacementStyle: options.displacementStyle ?? 'close-reason',
    displacementCloseCode: options.displacementCloseCode ?? 1000,
    closeOnTokenExpiry: options.closeOnTokenExpiry ?? false,
    rejectionWording: options.rejectionWording ?? 'Invalid Token',
    deliveryJitter: resolveJitter(options.deliveryJitter),
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

function resolveJitter(option: boolean | DeliveryJitterOptions | undefined): JitterSettings | undefined {
  if (option === undefined || option === false) return undefined;
  const given = option === true ? {} : option;
  const jitter: JitterSettings = {
    seed: given.seed ?? 1,
    reorderProbability: given.reorderProbability ?? 0.15,
    delayProbability: given.delayProbability ?? 0.05,
    maxDelayMs: given.maxDelayMs,
  };
  if (!Number.isFinite(jitter.seed)) throw new RangeError(`deliveryJitter.seed must be a finite number, got ${jitter.seed}`);
  for (const name of ['reorderProbability', 'delayProbability'] as const) {
    const value = jitter[name];
    if (!(value >= 0 && value <= 1)) throw new RangeError(`deliveryJitter.${name} must be between 0 and 1, got ${value}`);
  }
  if (jitter.maxDelayMs !== undefined && !(jitter.maxDelayMs >= 0 && Number.isFinite(jitter.maxDelayMs))) {
    throw new RangeError(`deliveryJitter.maxDelayMs must be a finite number >= 0, got ${jitter.maxDelayMs}`);
  }
  return jitter;
}
