/**
 * Profiles of the simulated payout devices. Command sets follow the per-device tables of GA138; firmware strings,
 * serial numbers and capacities are synthetic but shaped like real ones. Every payout device sets `requiresKey`:
 * everything but SYNC and the key exchange answers KEY_NOT_SET until a key is negotiated (M222 p.8).
 *
 * NV4000 facts: unit type 0x12, recycler routes 0x11-0x14, cassette 0x15 and sub-device serial numbers 0x11-0x15
 * come from the NV4000 fork and the NV9USB manual extract (research §3.10); everything else about it (capacities,
 * protocol version, that it behaves like a SMART Payout otherwise) is inferred. See docs/essp-payout.md.
 */
import type { DeviceFeatures, DeviceProfile, SimChannel } from '../profiles.js';
import { CoinHopper } from './coins.js';
import { NoteRecycler, Nv11Float } from './notes.js';
import { ROUTE_CODES } from '../../commands.js';

export type PayoutDeviceName = 'smart-payout' | 'smart-hopper' | 'nv11' | 'nv4000' | 'smart-system';
export const PAYOUT_DEVICE_NAMES: readonly PayoutDeviceName[] = [
  'smart-payout',
  'smart-hopper',
  'nv11',
  'nv4000',
  'smart-system',
];

const BASE = [
  0x11, 0x01, 0x05, 0x06, 0x07, 0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x21, 0x4a, 0x4b, 0x4c, 0x56, 0x57, 0x60, 0x61,
];
/** Note validator commands (SET_INHIBITS, display, channel data, reject, last reject, hold, counters, bezel). */
const VALIDATOR = [0x02, 0x03, 0x04, 0x08, 0x0e, 0x0f, 0x17, 0x18, 0x4d, 0x4f, 0x58, 0x59];
/** SMART Payout / NV4000: levels, refill, payout and float family, routes, empty, limits, payout enable. */
const NOTE_PAYOUT = [
  0x22, 0x30, 0x33, 0x35, 0x38, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x44, 0x46, 0x4e, 0x52, 0x53, 0x5b, 0x5c,
];
/** NV11: note positions, payout/stack note, value reporting, routes, empty, payout enable. */
const NV11 = [0x3b, 0x3c, 0x3f, 0x41, 0x42, 0x43, 0x45, 0x52, 0x53, 0x5b, 0x5c];
/** SMART Hopper: levels, payout/float family, routes, coin mech, options, empty, limits, build revision. */
const HOPPER = [
  0x22, 0x33, 0x34, 0x35, 0x38, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x44, 0x46, 0x49, 0x4e, 0x4f, 0x50, 0x51, 0x52,
  0x53, 0x5a,
];

/** SMART Payout (GA138 device lists): bar code 0x23-0x27, CONFIGURE_BEZEL, escrow transactions 0x76-0x7A. */
const SMART_PAYOUT_EXTRA = [0x23, 0x24, 0x25, 0x26, 0x27, 0x54, 0x76, 0x77, 0x78, 0x79, 0x7a];
/** SMART Hopper and SMART System: SET_BAUD_RATE, COMMUNICATION_PASS_THROUGH. */
const COIN_EXTRA = [0x4d, 0x37];
/**
 * SMART System only: SET_INHIBITS, GET/RESET_COUNTERS, the real-time clock 0x62-0x64, COIN_ESCROW, COIN_STIR.
 * PAYOUT_AMOUNT_BY_DENOMINATION (0x39) is not answered: its layout is not in GA138 and it moves money.
 */
const SMART_SYSTEM_EXTRA = [0x02, 0x58, 0x59, 0x62, 0x63, 0x64, 0x3a, 0x5d];

const PAYOUT_FEATURES: DeviceFeatures = {
  cashboxDetection: true,
  fraud: true,
  clearedFromFront: true,
  clearedIntoCashbox: true,
  notePathOpen: true,
  requiresKey: true,
};
const COIN_FEATURES: DeviceFeatures = {
  cashboxDetection: false,
  fraud: false,
  clearedFromFront: false,
  clearedIntoCashbox: false,
  notePathOpen: false,
  requiresKey: true,
};

function channels(currency: string, values: readonly number[]): SimChannel[] {
  return values.map((value, i) => ({ channel: i + 1, value, currency }));
}

const EURO_NOTES = channels('EUR', [500, 1000, 2000, 5000, 10000, 20000, 50000]);
const EURO_COINS = channels('EUR', [5, 10, 20, 50, 100, 200]);

/** What the note devices (validator + payout at address 0x00) share. */
const NOTE_DEVICE = {
  address: 0x00,
  datasetVersion: 'EUR01610',
  country: 'EUR',
  maxProtocolVersion: 8,
} as const;

/** What the coin devices (SMART Hopper, SMART System at address 0x10) share. */
const COIN_DEVICE = {
  address: 0x10,
  datasetVersion: 'EUR00610',
  country: 'EUR',
  channels: EURO_COINS,
  maxProtocolVersion: 7,
  features: COIN_FEATURES,
  cashboxCapacity: 0,
} as const;

export const PAYOUT_PROFILES: Readonly<Record<PayoutDeviceName, DeviceProfile>> = {
  'smart-payout': {
    name: 'smart-payout',
    model: 'SMART Payout',
    unitType: 0x06,
    ...NOTE_DEVICE,
    firmware: '0430',
    firmwareVersion: 'NV02004301498000',
    channels: EURO_NOTES,
    commands: new Set([...BASE, ...VALIDATOR, ...NOTE_PAYOUT, ...SMART_PAYOUT_EXTRA]),
    features: PAYOUT_FEATURES,
    cashboxCapacity: 1000,
    serialNumber: 2722471,
    buildRevision: [
      { type: 0x00, revision: 430 },
      { type: 0x06, revision: 416 },
    ],
    behaviours: (core, validator, options) => [
      new NoteRecycler(core, validator, options.payout ?? {}, {
        name: 'smart-payout',
        containers: 1,
        capacity: 80,
        lifo: false,
        routes: [ROUTE_CODES.payout, ROUTE_CODES.cashbox],
        payoutByDefault: (value) => value <= 2000,
        subDeviceSerials: { 0x01: 5522001 },
      }),
    ],
  },
  nv4000: {
    name: 'nv4000',
    model: 'NV4000',
    unitType: 0x12,
    ...NOTE_DEVICE,
    firmware: '0100',
    firmwareVersion: 'NV40001001001000',
    channels: EURO_NOTES,
    commands: new Set([...BASE, ...VALIDATOR, ...NOTE_PAYOUT]),
    features: PAYOUT_FEATURES,
    cashboxCapacity: 2000,
    serialNumber: 4000001,
    buildRevision: [{ type: 0x12, revision: 100 }],
    behaviours: (core, validator, options) => [
      new NoteRecycler(core, validator, options.payout ?? {}, {
        name: 'nv4000',
        containers: 4,
        capacity: 100,
        lifo: false,
        routes: [
          ROUTE_CODES.payout,
          ROUTE_CODES.cashbox,
          ROUTE_CODES.recycler1,
          ROUTE_CODES.recycler2,
          ROUTE_CODES.recycler3,
          ROUTE_CODES.recycler4,
          ROUTE_CODES.cassette,
        ],
        payoutByDefault: (value) => value <= 5000,
        subDeviceSerials: { 0x11: 4000011, 0x12: 4000012, 0x13: 4000013, 0x14: 4000014, 0x15: 4000015 },
      }),
    ],
  },
  nv11: {
    name: 'nv11',
    model: 'NV11',
    unitType: 0x07,
    ...NOTE_DEVICE,
    firmware: '0333',
    firmwareVersion: 'NV01103331234000',
    channels: EURO_NOTES.slice(0, 4),
    commands: new Set([...BASE, ...VALIDATOR, ...NV11]),
    features: { ...PAYOUT_FEATURES, fraud: false, notePathOpen: false, cashboxDetection: false },
    cashboxCapacity: 300,
    serialNumber: 1100011,
    buildRevision: [],
    behaviours: (core, validator, options) => [
      new Nv11Float(core, validator, options.payout ?? {}, {
        name: 'nv11',
        containers: 1,
        capacity: 30,
        lifo: true,
        routes: [ROUTE_CODES.payout, ROUTE_CODES.cashbox],
        payoutByDefault: (value) => value === 1000,
        subDeviceSerials: { 0x01: 1100012 },
      }),
    ],
  },
  'smart-hopper': {
    name: 'smart-hopper',
    model: 'SMART Hopper',
    unitType: 0x03,
    ...COIN_DEVICE,
    firmware: '0609',
    firmwareVersion: 'SH00036091234000',
    commands: new Set([...BASE, ...HOPPER, ...COIN_EXTRA]),
    serialNumber: 3300123,
    buildRevision: [{ type: 0x03, revision: 609 }],
    behaviours: (core, _validator, options) => [new CoinHopper(core, options.payout ?? {})],
  },
  'smart-system': {
    name: 'smart-system',
    model: 'SMART System',
    unitType: 0x09,
    ...COIN_DEVICE,
    firmware: '0112',
    firmwareVersion: 'SS00091121234000',
    commands: new Set([...BASE, ...HOPPER, ...COIN_EXTRA, ...SMART_SYSTEM_EXTRA]),
    serialNumber: 9900123,
    buildRevision: [{ type: 0x09, revision: 112 }],
    behaviours: (core, _validator, options) => [new CoinHopper(core, options.payout ?? {}, 'smart-system')],
  },
};
