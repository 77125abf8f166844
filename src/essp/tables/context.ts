/**
 * Shared types of the eSSP codec tables: what decoders need to know about the device (protocol version, unit
 * type, channels) and the value shapes used by commands and events.
 */

/** One note/coin channel as reported by SETUP_REQUEST: 1-based channel, value in minor units, ISO currency. */
export interface ChannelInfo {
  channel: number;
  value: number;
  currency: string;
}

/** A value with its currency as carried in eSSP multi-currency blocks (value u32 LE + 3 ASCII). */
export interface SspValue {
  value: number;
  currency: string;
}

/**
 * Everything the table codecs need to know about the device they talk to. Fill it from HOST_PROTOCOL_VERSION and
 * SETUP_REQUEST (see `contextFromSetup` in decoders.ts).
 */
export interface SspContext {
  /** The protocol version set with HOST_PROTOCOL_VERSION (commands and events change layout at 6, 7, 8, 9). */
  protocolVersion: number;
  /** Unit type from SETUP_REQUEST/UNIT_DATA (see `UnitType`); decides hopper vs validator layouts. */
  unitType?: number;
  /** Channels from SETUP_REQUEST; used to attach values to channel events. */
  channels?: readonly ChannelInfo[];
  /** The unit's own currency (SETUP_REQUEST country), used for the single-currency (v<6) value forms. */
  currency?: string;
  /** Value multiplier of the dataset (SETUP_REQUEST): channel value bytes × multiplier = minor units (v<6). */
  valueMultiplier?: number;
  /** NV11 SET_VALUE_REPORTING_TYPE state: 'value' makes NOTE_STORED_IN_PAYOUT carry a value at v>=6. */
  valueReporting?: 'value' | 'channel';
  /** SMART Currency validators at protocol >= 9 report READ_NOTE/CREDIT_NOTE as currency + value (7 bytes). */
  smartCurrency?: boolean;
}

/** Unit type codes of SETUP_REQUEST / UNIT_DATA (research §3.8). */
export const UnitType = {
  Validator: 0x00,
  SmartHopper: 0x03,
  SmartPayout: 0x06,
  Nv11: 0x07,
  AddOnPrinter: 0x08,
  SmartSystem: 0x09,
  StandalonePrinter: 0x0b,
  Tebs: 0x0d,
  TebsPayout: 0x0e,
  TebsTicket: 0x0f,
  /** Only from the NV4000 fork of the seed library; unverified against an ITL document. */
  Nv4000: 0x12,
} as const;

export const UNIT_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Validator',
  0x03: 'SMART Hopper',
  0x06: 'SMART Payout',
  0x07: 'NV11',
  0x08: 'SMART Ticket / NVR-280',
  0x09: 'SMART System',
  0x0b: 'Printer',
  0x0d: 'TEBS',
  0x0e: 'TEBS + SMART Payout',
  0x0f: 'TEBS + SMART Ticket',
  0x12: 'NV4000',
};

export function unitTypeName(unitType: number): string {
  return UNIT_TYPE_NAMES[unitType] ?? `unknown (0x${unitType.toString(16).padStart(2, '0')})`;
}

/** SMART Hopper and SMART System: coin devices whose SETUP_REQUEST, routes and fraud events differ. */
export function isCoinDevice(ctx: SspContext): boolean {
  return ctx.unitType === UnitType.SmartHopper || ctx.unitType === UnitType.SmartSystem;
}

/** The currency code used when a v<6 reply carries no currency and the context does not know it ("no currency"). */
export const NO_CURRENCY = 'XXX';
