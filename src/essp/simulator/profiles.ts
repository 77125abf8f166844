/**
 * Device profiles of the eSSP simulator: what a model of unit answers (unit type, firmware, dataset, channels, the
 * highest protocol version it accepts, which commands and events it implements). The command sets follow the per-device
 * command tables of the SSP manual (GA138 pp. 28-52); firmware strings and serial numbers are synthetic but shaped like
 * the real ones (GA973 §8.1: `NV02004141498000` = NV200, firmware 4.14, release 1498).
 *
 * Payout devices (SMART Payout, SMART Hopper, NV11, NV4000) are later profiles: they add behaviours (see behaviour.ts)
 * and set `requiresKey`, so every command but the key exchange answers KEY_NOT_SET until a key is negotiated.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { SimBehaviour, SimCore } from './behaviour.js';
import { PAYOUT_DEVICE_NAMES, PAYOUT_PROFILES, type PayoutDeviceName } from './payout/profiles.js';
import type { SspSimulatorOptions } from './simulator.js';
import type { NoteValidator } from './validator.js';

/** One note channel: 1-based, value in minor units, ISO 4217 currency. Same shape as the tables' ChannelInfo. */
export interface SimChannel {
  channel: number;
  value: number;
  currency: string;
}

export type ValidatorDeviceName = 'nv200' | 'nv9usb' | 'nv10usb' | 'bv20' | 'bv50' | 'bv100';
export type SimDeviceName = ValidatorDeviceName | PayoutDeviceName;

export const SIM_DEVICE_NAMES: readonly SimDeviceName[] = [
  'nv200',
  'nv9usb',
  'nv10usb',
  'bv20',
  'bv50',
  'bv100',
  ...PAYOUT_DEVICE_NAMES,
];

/** Durations of the note path, in ms on the injected clock. */
export interface NoteTiming {
  /** Insertion to validation result (READ_NOTE 0 is reported meanwhile). */
  readMs: number;
  /** Accept (poll after escrow) to CREDIT_NOTE: the note passes the point where the user cannot pull it back. */
  creditMs: number;
  /** Accept to NOTE_STACKED (the note lies in the cashbox). */
  stackMs: number;
  /** Reject start to NOTE_REJECTED (the note is back at the bezel). */
  rejectMs: number;
  /** RESET command / power cycle to the device answering again. */
  resetMs: number;
}

export const DEFAULT_TIMING: NoteTiming = { readMs: 600, creditMs: 500, stackMs: 1200, rejectMs: 1000, resetMs: 1500 };

/** Features that decide which events and commands a profile supports (from the manual's per-device event tables). */
export interface DeviceFeatures {
  /** CASHBOX_REMOVED / CASHBOX_REPLACED (NV200, BV50, BV100). */
  cashboxDetection: boolean;
  /** FRAUD_ATTEMPT (NV200, NV10USB, BV20, BV100). */
  fraud: boolean;
  /** NOTE_CLEARED_FROM_FRONT at power-up (NV200, NV9USB, BV50, BV100). */
  clearedFromFront: boolean;
  /** NOTE_CLEARED_INTO_CASHBOX at power-up (NV200, NV9USB, NV10USB, BV50, BV100). */
  clearedIntoCashbox: boolean;
  /** NOTE_PATH_OPEN (NV200). */
  notePathOpen: boolean;
  /** Every command except SYNC and the key exchange answers KEY_NOT_SET until a key is negotiated (payout devices). */
  requiresKey: boolean;
}

export interface DeviceProfile {
  name: SimDeviceName;
  /** Human name, e.g. "NV200". */
  model: string;
  unitType: number;
  /** Default SSP address. */
  address: number;
  /** 4 ASCII digits of SETUP_REQUEST / UNIT_DATA ("0430" = 4.30). */
  firmware: string;
  /** GET_FIRMWARE_VERSION text. */
  firmwareVersion: string;
  /** GET_DATASET_VERSION text. */
  datasetVersion: string;
  /** Dataset country (SETUP_REQUEST). */
  country: string;
  channels: readonly SimChannel[];
  /** Highest protocol version HOST_PROTOCOL_VERSION accepts (GA973 App. E). */
  maxProtocolVersion: number;
  /** Command codes this model implements; others answer COMMAND_NOT_KNOWN (F2). */
  commands: ReadonlySet<number>;
  features: DeviceFeatures;
  /** Notes the cashbox holds before STACKER_FULL. */
  cashboxCapacity: number;
  serialNumber: number;
  /** GET_BUILD_REVISION blocks (type, revision). */
  buildRevision: readonly { type: number; revision: number }[];
  /** Payout devices: behaviours placed before the note path (see behaviour.ts and payout/). */
  behaviours?: (core: SimCore, validator: NoteValidator, options: SspSimulatorOptions) => SimBehaviour[];
}

/** Command codes every validator in GA138 implements (SYNC .. encryption key commands). */
const VALIDATOR_BASE = [
  0x11, 0x01, 0x06, 0x07, 0x0c, 0x09, 0x0a, 0x20, 0x21, 0x02, 0x03, 0x04, 0x05, 0x08, 0x0d, 0x0e, 0x0f, 0x17, 0x56,
  0x57, 0x4a, 0x4b, 0x4c, 0x60, 0x61,
];
const HOLD = 0x18;
const SET_BAUD_RATE = 0x4d;
const GET_COUNTERS = [0x58, 0x59];
const BARCODE = [0x23, 0x24, 0x25, 0x26, 0x27];
const CONFIGURE_BEZEL = 0x54;
const GET_BUILD_REVISION = 0x4f;
/** NV200 (and NV12): printing / printed poll events of an attached SMART Ticket (GA138 0x72). */
const ENABLE_TITO_EVENTS = 0x72;

function euro(values: number[]): SimChannel[] {
  return values.map((v, i) => ({ channel: i + 1, value: v * 100, currency: 'EUR' }));
}

function pounds(values: number[]): SimChannel[] {
  return values.map((v, i) => ({ channel: i + 1, value: v * 100, currency: 'GBP' }));
}

function dollars(values: number[]): SimChannel[] {
  return values.map((v, i) => ({ channel: i + 1, value: v * 100, currency: 'USD' }));
}

const NO_FEATURES: DeviceFeatures = {
  cashboxDetection: false,
  fraud: false,
  clearedFromFront: false,
  clearedIntoCashbox: false,
  notePathOpen: false,
  requiresKey: false,
};

export const PROFILES: Readonly<Record<SimDeviceName, DeviceProfile>> = {
  nv200: {
    name: 'nv200',
    model: 'NV200',
    unitType: 0x00,
    address: 0,
    firmware: '0430',
    firmwareVersion: 'NV02004301498000',
    datasetVersion: 'EUR01610',
    country: 'EUR',
    channels: euro([5, 10, 20, 50, 100, 200, 500]),
    maxProtocolVersion: 8,
    commands: new Set([
      ...VALIDATOR_BASE,
      HOLD,
      SET_BAUD_RATE,
      ...BARCODE,
      CONFIGURE_BEZEL,
      GET_BUILD_REVISION,
      ENABLE_TITO_EVENTS,
    ]),
    features: {
      ...NO_FEATURES,
      cashboxDetection: true,
      fraud: true,
      clearedFromFront: true,
      clearedIntoCashbox: true,
      notePathOpen: true,
    },
    cashboxCapacity: 500,
    serialNumber: 2722470,
    buildRevision: [{ type: 0x00, revision: 430 }],
  },
  nv9usb: {
    name: 'nv9usb',
    model: 'NV9USB',
    unitType: 0x00,
    address: 0,
    firmware: '0333',
    firmwareVersion: 'NV00093331234000',
    datasetVersion: 'GBP02109',
    country: 'GBP',
    channels: pounds([5, 10, 20, 50]),
    maxProtocolVersion: 7,
    commands: new Set([...VALIDATOR_BASE, HOLD, ...GET_COUNTERS]),
    features: { ...NO_FEATURES, clearedFromFront: true, clearedIntoCashbox: true },
    cashboxCapacity: 300,
    serialNumber: 1873452,
    buildRevision: [],
  },
  nv10usb: {
    name: 'nv10usb',
    model: 'NV10USB',
    unitType: 0x00,
    address: 0,
    firmware: '0327',
    firmwareVersion: 'NV00103271111000',
    datasetVersion: 'USD01106',
    country: 'USD',
    channels: dollars([1, 2, 5, 10, 20, 50, 100]),
    maxProtocolVersion: 6,
    commands: new Set([...VALIDATOR_BASE, HOLD]),
    features: { ...NO_FEATURES, fraud: true, clearedIntoCashbox: true },
    cashboxCapacity: 300,
    serialNumber: 3300117,
    buildRevision: [],
  },
  bv20: {
    name: 'bv20',
    model: 'BV20',
    unitType: 0x00,
    address: 0,
    firmware: '0310',
    firmwareVersion: 'BV00203101020000',
    datasetVersion: 'GBP01203',
    country: 'GBP',
    channels: pounds([5, 10, 20]),
    maxProtocolVersion: 6,
    commands: new Set([...VALIDATOR_BASE, HOLD, SET_BAUD_RATE]),
    features: { ...NO_FEATURES, fraud: true },
    cashboxCapacity: 300,
    serialNumber: 4100020,
    buildRevision: [],
  },
  bv50: {
    name: 'bv50',
    model: 'BV50',
    unitType: 0x00,
    address: 0,
    firmware: '0330',
    firmwareVersion: 'BV00503301050000',
    datasetVersion: 'EUR01505',
    country: 'EUR',
    channels: euro([5, 10, 20, 50]),
    maxProtocolVersion: 7,
    commands: new Set([...VALIDATOR_BASE, HOLD, SET_BAUD_RATE]),
    features: { ...NO_FEATURES, cashboxDetection: true, clearedFromFront: true, clearedIntoCashbox: true },
    cashboxCapacity: 500,
    serialNumber: 4100050,
    buildRevision: [],
  },
  bv100: {
    name: 'bv100',
    model: 'BV100',
    unitType: 0x00,
    address: 0,
    firmware: '0335',
    firmwareVersion: 'BV01003351100000',
    datasetVersion: 'EUR01707',
    country: 'EUR',
    channels: euro([5, 10, 20, 50, 100, 200, 500]),
    maxProtocolVersion: 7,
    commands: new Set([...VALIDATOR_BASE, HOLD, SET_BAUD_RATE]),
    features: {
      ...NO_FEATURES,
      cashboxDetection: true,
      fraud: true,
      clearedFromFront: true,
      clearedIntoCashbox: true,
    },
    cashboxCapacity: 600,
    serialNumber: 4100100,
    buildRevision: [],
  },
  ...PAYOUT_PROFILES,
};

/** The profile for a device name; unknown names get a clear INVALID_ARGUMENT error listing the known ones. */
export function profileFor(name: string): DeviceProfile {
  const profile = (PROFILES as Partial<Record<string, DeviceProfile>>)[name.toLowerCase()];
  if (!profile) {
    throw new KioskbusError(
      ErrorCode.InvalidArgument,
      `unknown eSSP simulator device "${name}"; known: ${SIM_DEVICE_NAMES.join(', ')}`,
    );
  }
  return profile;
}
