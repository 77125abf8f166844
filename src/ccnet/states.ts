/**
 * POLL states of the four device classes: one table entry per state (code, name, description, what the
 * second byte means). Host decoders and simulators read the same tables.
 */
import { toHex } from '../core/bytes.js';

/** What the byte after a state code carries. */
export type StateArg = 'none' | 'reason' | 'failure' | 'jam' | 'billType' | 'busy' | 'location' | 'errorCode';

export interface StateDef {
  code: number;
  /** Upper-case name after the spec (`ESCROW_POSITION`, `BILL_STACKED`). */
  name: string;
  description: string;
  arg: StateArg;
  /** Only on the Bill-to-Bill unit. */
  b2bOnly?: boolean;
  /** Only on the bill validator (a B2B uses the code otherwise). */
  bvOnly?: boolean;
}

const s = (code: number, name: string, description: string, arg: StateArg = 'none', extra: Partial<StateDef> = {}) =>
  ({ code, name, description, arg, ...extra }) satisfies StateDef;

/** Bill validator (03) and Bill-to-Bill (01) POLL states (spec §3.4, §5.4). */
export const BILL_STATES: readonly StateDef[] = [
  s(0x10, 'POWER_UP', 'state after power up'),
  s(0x11, 'POWER_UP_WITH_BILL_IN_VALIDATOR', 'power up with a bill in the validator head; returned after RESET'),
  s(
    0x12,
    'POWER_UP_WITH_BILL_IN_STACKER',
    'power up with a bill in the stacker (BV) / transport or dispenser (B2B)',
    'location',
  ),
  s(0x13, 'INITIALIZE', 'initialising after RESET'),
  s(0x14, 'IDLING', 'waiting for a bill'),
  s(0x15, 'ACCEPTING', 'scanning a bill'),
  s(0x17, 'STACKING', 'transporting the bill from escrow to a cassette'),
  s(0x18, 'RETURNING', 'returning the bill from escrow to the customer'),
  s(0x19, 'UNIT_DISABLED', 'disabled by the controller or just initialised'),
  s(0x1a, 'HOLDING', 'bill held in escrow after HOLD'),
  s(0x1b, 'DEVICE_BUSY', 'busy; accessible again after YH × 100 ms', 'busy'),
  s(0x1c, 'REJECTING', 'rejecting a bill', 'reason'),
  s(0x1d, 'DISPENSING', 'dispensing bills to the customer', 'location', { b2bOnly: true }),
  s(0x1e, 'UNLOADING', 'unloading bills to the drop cassette', 'none', { b2bOnly: true }),
  s(0x1f, 'CUSTOM_RETURNING', 'returning bills from the recycling cassette to the customer', 'none', { b2bOnly: true }),
  s(0x20, 'RECYCLING_UNLOADING', 'moving a bill from the recycling cassette', 'none', { b2bOnly: true }),
  s(0x21, 'SETTING_CASSETTE_TYPE', 'unloading a cassette and assigning its new type', 'none', { b2bOnly: true }),
  s(0x25, 'DISPENSED', 'dispensing completed', 'none', { b2bOnly: true }),
  s(0x26, 'UNLOADED', 'unloading completed', 'none', { b2bOnly: true }),
  s(0x27, 'CUSTOM_BILLS_RETURNED', 'bills returned to the customer', 'none', { b2bOnly: true }),
  s(
    0x28,
    'RECYCLING_CASSETTE_UNLOADED',
    'recycling cassette unloading completed (newer firmware: invalid bill number)',
    'none',
    {
      b2bOnly: true,
    },
  ),
  s(0x29, 'CASSETTE_TYPE_SET', 'setting the recycling cassette type completed', 'none', { b2bOnly: true }),
  s(0x30, 'INVALID_COMMAND', 'the last command was not valid'),
  s(0x41, 'DROP_CASSETTE_FULL', 'drop cassette full'),
  s(0x42, 'DROP_CASSETTE_OUT_OF_POSITION', 'drop cassette open or removed'),
  s(0x43, 'VALIDATOR_JAMMED', 'bill jammed in the acceptance path'),
  s(0x44, 'DROP_CASSETTE_JAMMED', 'bill jammed in the drop cassette'),
  s(0x45, 'CHEATED', 'cheating attempt detected'),
  s(0x46, 'PAUSE', 'a second bill was inserted before the first was stacked'),
  s(0x47, 'FAILURE', 'generic failure', 'failure'),
  s(0x48, 'JAMMED', 'Bill-to-Bill unit jammed', 'jam', { b2bOnly: true }),
  s(0x80, 'ESCROW_POSITION', 'bill in escrow', 'billType'),
  s(0x81, 'BILL_STACKED', 'bill stacked', 'billType'),
  s(0x82, 'BILL_RETURNED', 'bill returned', 'billType'),
];

/** 1CH rejection reasons (60H–6CH of the spec; 6DH and 92H–95H as used by the vendor SDK). */
export const REJECT_REASONS: Readonly<Record<number, string>> = {
  0x60: 'INSERTION',
  0x61: 'MAGNETIC',
  0x62: 'REMAINED_BILL_IN_HEAD',
  0x63: 'MULTIPLYING',
  0x64: 'CONVEYING',
  0x65: 'IDENTIFICATION',
  0x66: 'VERIFICATION',
  0x67: 'OPTIC',
  0x68: 'INHIBIT',
  0x69: 'CAPACITY',
  0x6a: 'OPERATION',
  0x6c: 'LENGTH',
  0x6d: 'UV',
  0x92: 'BARCODE_UNRECOGNIZED',
  0x93: 'BARCODE_INCORRECT_LENGTH',
  0x94: 'BARCODE_UNKNOWN_START',
  0x95: 'BARCODE_UNKNOWN_STOP',
};

/** 47H failure codes. */
export const FAILURE_CODES: Readonly<Record<number, string>> = {
  0x50: 'STACK_MOTOR',
  0x51: 'TRANSPORT_MOTOR_SPEED',
  0x52: 'TRANSPORT_MOTOR',
  0x53: 'ALIGNING_MOTOR',
  0x54: 'INITIAL_CASSETTE_STATUS',
  0x55: 'OPTIC_CANAL',
  0x56: 'MAGNETIC_CANAL',
  0x57: 'CASSETTE_1_MOTOR',
  0x58: 'CASSETTE_2_MOTOR',
  0x59: 'CASSETTE_3_MOTOR',
  0x5a: 'B2B_TRANSPORT_MOTOR',
  0x5b: 'SWITCH_MOTOR_1',
  0x5c: 'SWITCH_MOTOR_2',
  0x5d: 'DISPENSER_MOTOR_1',
  0x5e: 'DISPENSER_MOTOR_2',
  0x5f: 'CAPACITANCE_CANAL',
};

/** 48H jam locations (B2B). */
export const JAM_LOCATIONS: Readonly<Record<number, string>> = {
  0x70: 'CASSETTE_1',
  0x71: 'CASSETTE_2',
  0x72: 'CASSETTE_3',
  0x73: 'TRANSPORT_PATH',
  0x74: 'SWITCH',
  0x75: 'DISPENSER',
};

/** Bill type 23 (17H) in 80H/81H/82H is a barcode coupon. */
export const BARCODE_BILL_TYPE = 23;

/** A decoded POLL reply of a bill device. */
export interface BillState {
  code: number;
  name: string;
  description: string;
  /** Bill type of 80H/81H/82H. */
  billType?: number;
  /** Sub-code (reason, failure, jam location, busy time, location) and its name. */
  sub?: number;
  subName?: string;
  /** 1BH: how long the device is busy, in ms. */
  busyMs?: number;
  /** Bytes beyond the ones understood (B2B may send a cassette number after the bill type). */
  extra?: Uint8Array;
  raw: Uint8Array;
}

const BILL_STATE_BY_CODE = new Map(BILL_STATES.map((d) => [d.code, d]));

/** The state of `defs` called `name` (a programming error when there is none: names come from our tables). */
function stateNamed<T extends { name: string }>(defs: readonly T[], name: string, what: string): T {
  const def = defs.find((d) => d.name === name);
  if (!def) throw new Error(`no ${what} state ${name}`);
  return def;
}

/** What every decoded state has. */
interface PlainState {
  code: number;
  name: string;
  description: string;
  raw: Uint8Array;
}

/**
 * The table entry of a POLL answer's code and the state it names; for a code the table lacks, no entry and an
 * UNKNOWN state that keeps the raw bytes.
 */
function lookUpState<D extends StateDef>(
  byCode: ReadonlyMap<number, D>,
  data: Uint8Array,
): { def: D | undefined; state: PlainState } {
  const code = data[0] ?? -1;
  const raw = data.slice();
  const def = byCode.get(code);
  if (!def) return { def, state: { code, name: 'UNKNOWN', description: `unknown state ${toHex(data)}`, raw } };
  return { def, state: { code, name: def.name, description: def.description, raw } };
}

/** The name of a sub-code a table lacks. */
const unknownSub = (sub: number): string => `UNKNOWN_${toHex(Uint8Array.of(sub))}`;

export function billStateDef(code: number): StateDef | undefined {
  return BILL_STATE_BY_CODE.get(code);
}

export function billStateByName(name: string): StateDef {
  return stateNamed(BILL_STATES, name, 'bill');
}

/** POLL reply data of a bill validator or B2B unit → state. Unknown codes keep their raw bytes. */
export function decodeBillState(data: Uint8Array, b2b = false): BillState {
  const { def, state: plain } = lookUpState(BILL_STATE_BY_CODE, data);
  const state: BillState = plain;
  if (!def) return state;
  const code = state.code;
  if (b2b && code === 0x44) state.name = 'CASSETTE_JAMMED';
  if (b2b && code === 0x12) state.name = 'POWER_UP_WITH_BILL';
  const sub = data[1];
  if (sub !== undefined && def.arg !== 'none') {
    state.sub = sub;
    switch (def.arg) {
      case 'billType':
        state.billType = sub;
        if (sub === BARCODE_BILL_TYPE) state.subName = 'BARCODE_COUPON';
        break;
      case 'reason':
        state.subName = REJECT_REASONS[sub] ?? unknownSub(sub);
        break;
      case 'failure':
        state.subName = FAILURE_CODES[sub] ?? unknownSub(sub);
        break;
      case 'jam':
        state.subName = JAM_LOCATIONS[sub] ?? unknownSub(sub);
        break;
      case 'busy':
        state.busyMs = sub * 100;
        break;
      case 'location':
        if (code === 0x12) state.subName = sub === 0 ? 'TRANSPORT_PATH' : sub === 1 ? 'DISPENSER' : 'UNKNOWN';
        else state.subName = sub === 0 ? 'MOVING' : sub === 1 ? 'AT_BEZEL' : 'UNKNOWN';
        break;
      default:
        break;
    }
  }
  if (data.length > 2) state.extra = data.slice(2);
  return state;
}

export function encodeBillState(name: string, sub?: number, extra?: Uint8Array): Uint8Array {
  const def = billStateByName(name);
  const bytes = [def.code];
  if (sub !== undefined) bytes.push(sub);
  if (extra) bytes.push(...extra);
  return Uint8Array.from(bytes);
}

// ---------------------------------------------------------------------------------------------------------
// Coin changer (02)

/**
 * Coin changer POLL codes, as rev 2.3.1 lists them. The spec gives 13H six meanings (ACCEPTING and five
 * faults: coin routing error, generic acceptor error, defective tube sensor, coin jam, tube jam) and 14H two
 * (UNIT DISABLED and CHANGER BUSY), with no byte to tell them apart. A changer sends only these codes, so
 * 13H decodes as ACCEPTING_OR_FAULT and 14H as UNIT_DISABLED, both `ambiguous` with their `candidates`;
 * the host tells a fault from a coin being accepted by how long 13H lasts (`CoinChangerOptions.faultAfterMs`).
 */
export const COIN_STATES: readonly (StateDef & { ambiguous?: boolean })[] = [
  s(0x10, 'POWER_UP', 'state after power up'),
  s(0x11, 'INITIALIZE', 'initialising after RESET'),
  s(0x12, 'IDLING', 'waiting for a coin'),
  {
    ...s(
      0x13,
      'ACCEPTING_OR_FAULT',
      'validating a coin, or (held) a routing, acceptor, tube sensor, coin or tube jam fault',
    ),
    ambiguous: true,
  },
  { ...s(0x14, 'UNIT_DISABLED', 'disabled by the controller or just initialised, or changer busy'), ambiguous: true },
  s(0x16, 'PAYOUT_BUSY', 'activating payout devices'),
  s(0x17, 'ESCROW_REQUEST', 'escrow lever activated'),
  s(0x18, 'DOUBLE_ARRIVAL', 'two coins too close together'),
  s(0x19, 'NO_CREDIT', 'coin validated but did not reach its place'),
];

/** The spec's readings of the shared codes 13H and 14H. */
export const COIN_CANDIDATES: Readonly<Record<number, readonly string[]>> = {
  0x13: ['ACCEPTING', 'COIN_ROUTING_ERROR', 'GENERIC_ACCEPTOR_ERROR', 'DEFECTIVE_TUBE_SENSOR', 'COIN_JAM', 'TUBE_JAM'],
  0x14: ['UNIT_DISABLED', 'CHANGER_BUSY'],
};

/** Spec names that share a code with others: what a changer sends for each. */
const COIN_NAME_ALIASES: Readonly<Record<string, number>> = {
  ACCEPTING: 0x13,
  COIN_ROUTING_ERROR: 0x13,
  GENERIC_ACCEPTOR_ERROR: 0x13,
  ACCEPTOR_ERROR: 0x13,
  DEFECTIVE_TUBE_SENSOR: 0x13,
  COIN_JAM: 0x13,
  TUBE_JAM: 0x13,
  CHANGER_BUSY: 0x14,
};

export interface CoinState {
  code: number;
  name: string;
  description: string;
  /** Coin event: type 0–15 of 40H–7FH/80H–FFH events. */
  coinType?: number;
  /** Coins left in the tube of that type (second byte of an event). */
  tubeCount?: number;
  /** Manual dispense: how many coins (yyy). */
  dispensed?: number;
  /** The spec gives this code several meanings (13H, 14H); `candidates` lists them. */
  ambiguous?: boolean;
  /** The spec's readings of an ambiguous code. */
  candidates?: readonly string[];
  raw: Uint8Array;
}

const COIN_STATE_BY_CODE = new Map(COIN_STATES.map((d) => [d.code, d]));

/** Coin events whose low nibble is the coin type: 40H–4FH, 50H–5FH, 70H–7FH (then the tube count). */
const COIN_TYPE_EVENTS = [
  { code: 0x40, name: 'COIN_TO_CASHBOX', description: 'coin accepted to the cash box' },
  { code: 0x50, name: 'COIN_TO_TUBE', description: 'coin accepted to a tube' },
  { code: 0x70, name: 'COIN_REJECTED', description: 'coin rejected' },
] as const;

export function decodeCoinState(data: Uint8Array): CoinState {
  const code = data[0] ?? -1;
  const raw = data.slice();
  const tube = data[1];
  const withTube = (st: CoinState): CoinState => {
    if (tube !== undefined) st.tubeCount = tube;
    return st;
  };
  const event = COIN_TYPE_EVENTS.find((e) => code >= e.code && code <= e.code + 0x0f);
  if (event) return withTube({ code, name: event.name, description: event.description, coinType: code & 0x0f, raw });
  if (code >= 0x80 && code <= 0xff)
    return withTube({
      code,
      name: 'MANUAL_DISPENSE',
      description: 'coins dispensed manually',
      coinType: code & 0x0f,
      dispensed: (code >>> 4) & 0x07,
      raw,
    });
  const { def, state } = lookUpState(COIN_STATE_BY_CODE, data);
  const st: CoinState = state;
  if (!def) return st;
  const candidates = COIN_CANDIDATES[code];
  if (def.ambiguous && candidates) {
    st.ambiguous = true;
    st.candidates = candidates;
  }
  return st;
}

/** The code a changer sends for a state name (the spec's names COIN_JAM, CHANGER_BUSY... included). */
export function coinStateCode(name: string): number {
  return COIN_NAME_ALIASES[name] ?? stateNamed(COIN_STATES, name, 'coin').code;
}

// ---------------------------------------------------------------------------------------------------------
// Card reader (04)

export const CARD_STATES: readonly StateDef[] = [
  s(0x01, 'INACTIVE', 'reset or powered up; waits for SETUP'),
  s(0x05, 'DISABLED', 'set up; vending disabled'),
  s(0x06, 'IDLING', 'cards may be used'),
  s(0x07, 'READY_FOR_TRANSACTION', 'a card is authenticated'),
  s(0x08, 'VENDING', 'a vend request is being processed'),
  s(0x09, 'MALFUNCTION', 'malfunction or error', 'errorCode'),
  s(0x10, 'DELAYED', 'full response not available yet'),
  s(0x11, 'BUSY', 'busy with internal operations'),
  s(0x12, 'VEND_OK', 'transaction completed'),
  s(0x13, 'VEND_FAILED', 'transaction failed'),
];

export const CARD_ERROR_KINDS: Readonly<Record<number, string>> = {
  0b0010: 'CARD_ERROR',
  0b0100: 'COMMUNICATIONS_ERROR',
  0b1000: 'READER_FAILURE',
};

export interface CardState {
  code: number;
  name: string;
  description: string;
  /** 09H: error kind (high nibble) and manufacturer sub-code (low nibble). */
  errorKind?: string;
  errorSubCode?: number;
  raw: Uint8Array;
}

const CARD_STATE_BY_CODE = new Map(CARD_STATES.map((d) => [d.code, d]));

export function decodeCardState(data: Uint8Array): CardState {
  const { def, state } = lookUpState(CARD_STATE_BY_CODE, data);
  const st: CardState = state;
  if (!def) return st;
  const z2 = data[1];
  if (st.code === 0x09 && z2 !== undefined) {
    st.errorKind = CARD_ERROR_KINDS[z2 >>> 4] ?? `UNKNOWN_${z2 >>> 4}`;
    st.errorSubCode = z2 & 0x0f;
  }
  return st;
}

export function cardStateCode(name: string): number {
  return stateNamed(CARD_STATES, name, 'card').code;
}
