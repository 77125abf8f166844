/**
 * The device classes `watch essp` can run, picked from the SETUP_REQUEST unit type, behind one small interface:
 * start, close, enable/disable, the payout API when there is one, and every event forwarded by name.
 */
import { KioskbusError } from '../../core/errors.js';
import type { SspBus } from '../../essp/bus.js';
import { Nv11 } from '../../essp/devices/nv11.js';
import { Nv4000 } from '../../essp/devices/nv4000.js';
import type { PayoutDevice } from '../../essp/devices/payout-common.js';
import { SmartHopper } from '../../essp/devices/smart-hopper.js';
import { SmartPayout } from '../../essp/devices/smart-payout.js';
import { SmartSystem } from '../../essp/devices/smart-system.js';
import { SspValidator, type SspValidatorOptions } from '../../essp/devices/validator.js';
import { UnitType, unitTypeName } from '../../essp/tables/context.js';
import type { EsspProbedDevice } from '../probe.js';

export const DEVICE_KINDS = ['validator', 'smart-payout', 'nv11', 'nv4000', 'smart-hopper', 'smart-system'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** The class for a unit type (TEBS and unknown types are run as plain validators). */
export function deviceKindOf(unitType: number | undefined): DeviceKind {
  switch (unitType) {
    case UnitType.SmartPayout:
    case UnitType.TebsPayout:
      return 'smart-payout';
    case UnitType.Nv11:
      return 'nv11';
    case UnitType.Nv4000:
      return 'nv4000';
    case UnitType.SmartHopper:
      return 'smart-hopper';
    case UnitType.SmartSystem:
      return 'smart-system';
    default:
      return 'validator';
  }
}

/** `nv200@0`, `smart-hopper@16`: the model from GET_FIRMWARE_VERSION when it names one, else the class. */
export function deviceLabel(found: EsspProbedDevice, kind: DeviceKind): string {
  // GET_FIRMWARE_VERSION: "NV0200" + firmware digits (NV02004301498000), "NV0009", "BV0020"
  const model = /^(NV|BV)(\d{4})/i.exec(found.firmwareVersion ?? '');
  const name = model ? `${model[1] ?? ''}${String(Number(model[2]))}`.toLowerCase() : kind;
  return `${name}@${found.address}`;
}

/** A payload turned into the fields of a printed event. */
function fieldsOf(payload: unknown): Record<string, unknown> {
  if (payload === undefined) return {};
  if (payload instanceof KioskbusError) return { code: payload.code, message: payload.message };
  if (Array.isArray(payload)) return { values: payload };
  if (typeof payload === 'object' && payload !== null) return { ...(payload as Record<string, unknown>) };
  return { value: payload };
}

const VALIDATOR_EVENTS = [
  'reading',
  'escrow',
  'credit',
  'rejecting',
  'rejected',
  'stacking',
  'stacked',
  'jammed',
  'fraud',
  'stackerFull',
  'cashboxRemoved',
  'cashboxReplaced',
  'disabled',
  'enabled',
  'noteCleared',
  'notePathOpen',
  'channelDisable',
  'barcode',
  'barcodeStacked',
  'reinitialising',
  'offline',
  'online',
  'unknown',
  'error',
] as const;

const PAYOUT_EVENTS = [
  'dispensing',
  'dispensed',
  'halted',
  'floating',
  'floated',
  'timeout',
  'payoutJammed',
  'jamRecovery',
  'incompletePayout',
  'incompleteFloat',
  'cashboxPaid',
  'coinCredit',
  'valueAdded',
  'noteStored',
  'noteTransferredToStacker',
  'noteHeldInBezel',
  'noteAtPowerUp',
  'errorDuringPayout',
  'emptying',
  'emptied',
  'smartEmptying',
  'smartEmptied',
  'payoutOutOfService',
  'deviceFull',
  'payInActive',
  'coinMechJammed',
  'coinMechReturnPressed',
  'coinMechError',
  'coinMechEnabled',
  'coinMechDisabled',
] as const;

export type EventSink = (event: string, fields: Record<string, unknown>) => void;

/** The device `watch essp` runs. */
export interface WatchedDevice {
  readonly kind: DeviceKind;
  /** The payout API (SMART Payout, NV11, NV4000, SMART Hopper, SMART System). */
  readonly payout: PayoutDevice | undefined;
  /** The currency of the device, once started. */
  readonly currency: string | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** Sends every event to `sink` (ready with the set-up; levels after each ready of a payout device). */
  forward(sink: EventSink): void;
}

/** Options of the validator runtime, which the payout classes take too. */
export type WatchOptions = SspValidatorOptions;

function makePayout(kind: Exclude<DeviceKind, 'validator'>, bus: SspBus, options: WatchOptions): PayoutDevice {
  switch (kind) {
    case 'smart-payout':
      return new SmartPayout(bus, options);
    case 'nv11':
      return new Nv11(bus, options);
    case 'nv4000':
      return new Nv4000(bus, options);
    case 'smart-hopper':
      return new SmartHopper(bus, options);
    case 'smart-system':
      return new SmartSystem(bus, options);
  }
}

export function createDevice(kind: DeviceKind, bus: SspBus, options: WatchOptions): WatchedDevice {
  const device: SspValidator | PayoutDevice =
    kind === 'validator' ? new SspValidator(bus, options) : makePayout(kind, bus, options);
  const payout = kind === 'validator' ? undefined : (device as PayoutDevice);
  const names: readonly string[] = payout ? [...VALIDATOR_EVENTS, ...PAYOUT_EVENTS] : VALIDATOR_EVENTS;
  return {
    kind,
    payout,
    get currency() {
      return payout ? payout.currency : (device as SspValidator).context.currency;
    },
    start: () => device.start(),
    close: () => device.close(),
    enable: () => device.enable(),
    disable: () => device.disable(),
    forward(sink) {
      const emitter = device as unknown as NodeJS.EventEmitter;
      for (const name of names) {
        emitter.on(name, (payload?: unknown) => {
          sink(name, fieldsOf(payload));
        });
      }
      emitter.on('ready', (info: { reason: string; protocolVersion: number; setup: Record<string, unknown> }) => {
        const setup = info.setup;
        const unitType = typeof setup.unitType === 'number' ? setup.unitType : undefined;
        sink('ready', {
          reason: info.reason,
          protocolVersion: info.protocolVersion,
          ...(unitType === undefined ? {} : { unitType, unitTypeName: unitTypeName(unitType) }),
          ...('firmware' in setup ? { firmware: setup.firmware } : {}),
          ...('currency' in setup ? { currency: setup.currency } : {}),
          ...('channels' in setup ? { channels: setup.channels } : {}),
          ...('coins' in setup ? { coins: setup.coins } : {}),
          encrypted: bus.isEncrypted(device.address),
        });
        if (payout) {
          payout.levels().then(
            (levels) => {
              sink('levels', { levels });
            },
            (error: unknown) => {
              sink('error', fieldsOf(error));
            },
          );
        }
      });
    },
  };
}
