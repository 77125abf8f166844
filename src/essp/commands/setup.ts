/** Generic, validator and link commands of the eSSP table: set-up, enable, poll, key exchange, bezel, counters, clock. */
import { ByteReader } from '../../core/bytes.js';
import {
  decodeBuildRevision,
  decodeChannelSecurity,
  decodeChannelValues,
  decodeCounters,
  decodeSerialNumber,
  decodeSetupRequest,
  decodeUnitData,
  encodeBuildRevision,
  encodeChannelSecurity,
  encodeChannelValues,
  encodeCounters,
  encodeSerialNumber,
  encodeSetupRequest,
  encodeUnitData,
  type ChannelSecurityResult,
  type ChannelValuesResult,
  type CountersResult,
  type SetupRequestResult,
  type UnitDataResult,
} from '../decoders.js';
import {
  argError,
  argsObject,
  boolArg,
  ByteWriter,
  decodeStrict,
  describe,
  EMPTY,
  enumArg,
  intArg,
  optionalIntArg,
} from '../tables/codec.js';
import type { SspContext } from '../tables/context.js';
import { decodeRejectReason, type RejectReason } from '../tables/reject.js';
import type {
  ChannelInhibitsArgs,
  ProtocolVersionArgs,
  SerialNumberArgs,
  SerialNumberResult,
  VersionResult,
  BaudRateArgs,
  BuildRevisionResult,
  BezelArgs,
  FixedKeyArgs,
  RtcConfigurationResult,
  RtcTime,
  CommandSpec,
} from './spec.js';
import { noArgs, okReply, simple, raw, outOfRange, u64Command, fixedKeyArg, textReply, pollCommand } from './build.js';

export const BEZEL_TYPES = ['solid', 'flash', 'off'] as const;
export const BAUD_RATES = [9600, 38400, 115200] as const;

export function rtcBytes(name: string, args: unknown): Uint8Array {
  const a = argsObject(name, args);
  return Uint8Array.of(
    intArg(name, a, 'day', 1, 31),
    intArg(name, a, 'month', 1, 12),
    intArg(name, a, 'year', 0, 99),
    intArg(name, a, 'hour', 0, 23),
    intArg(name, a, 'minute', 0, 59),
    intArg(name, a, 'second', 0, 59),
  );
}

export function readRtc(r: ByteReader): RtcTime {
  return {
    day: r.u8('day'),
    month: r.u8('month'),
    year: r.u8('year'),
    hour: r.u8('hour'),
    minute: r.u8('minute'),
    second: r.u8('second'),
  };
}

export const SETUP_COMMANDS = {
  RESET: simple('RESET', 0x01, 'hard reset of the device (drops encryption and baud rate)'),
  SET_CHANNEL_INHIBITS: {
    name: 'SET_CHANNEL_INHIBITS',
    code: 0x02,
    encryption: 'optional',
    description: 'which channels accept notes: bit set = enabled; channels not sent are inhibited',
    encodeArgs(args: ChannelInhibitsArgs) {
      const name = 'SET_CHANNEL_INHIBITS';
      const a = argsObject(name, args);
      const channels = a.channels;
      if (!Array.isArray(channels) || channels.length > 64) {
        throw argError(
          name,
          `"channels" must be a list (index 0 = channel 1) of 0/1 or booleans, got ${describe(channels)}`,
        );
      }
      const bytes = optionalIntArg(name, a, 'bytes', 1, 8) ?? Math.max(2, Math.ceil(channels.length / 8));
      if (channels.length > bytes * 8)
        throw argError(name, `${channels.length} channels do not fit in ${bytes} byte(s)`);
      const out = new Uint8Array(bytes);
      (channels as unknown[]).forEach((c, i) => {
        if (c !== 0 && c !== 1 && typeof c !== 'boolean') {
          throw argError(name, `channel ${i + 1} must be 0, 1, true or false, got ${describe(c)}`);
        }
        if (c === 1 || c === true) out[i >> 3] = (out[i >> 3] ?? 0) | (1 << (i & 7));
      });
      return out;
    },
    decodeArgs(data: Uint8Array): ChannelInhibitsArgs {
      if (data.length < 1 || data.length > 8) {
        throw argError('SET_CHANNEL_INHIBITS', `1..8 mask bytes expected, got ${data.length}`, 'device');
      }
      const channels: boolean[] = [];
      for (let i = 0; i < data.length * 8; i++) channels.push(((data[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
      return { channels, bytes: data.length };
    },
    ...okReply,
  } satisfies CommandSpec<ChannelInhibitsArgs, void>,
  DISPLAY_ON: simple('DISPLAY_ON', 0x03, 'bezel illumination on'),
  DISPLAY_OFF: simple('DISPLAY_OFF', 0x04, 'bezel illumination off'),
  SETUP_REQUEST: {
    name: 'SETUP_REQUEST',
    code: 0x05,
    encryption: 'optional',
    description: 'unit type, firmware, country, channels and protocol version (layout per unit type)',
    ...noArgs('SETUP_REQUEST'),
    encodeReply: (result: SetupRequestResult) => encodeSetupRequest(result),
    decodeReply: (data: Uint8Array) => decodeSetupRequest(data),
  } satisfies CommandSpec<void, SetupRequestResult>,
  HOST_PROTOCOL_VERSION: {
    name: 'HOST_PROTOCOL_VERSION',
    code: 0x06,
    encryption: 'optional',
    description: 'sets the protocol version the host implements (F8 if the device does not support it)',
    encodeArgs: (args: ProtocolVersionArgs) =>
      Uint8Array.of(intArg('HOST_PROTOCOL_VERSION', argsObject('HOST_PROTOCOL_VERSION', args), 'version', 1, 255)),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('HOST_PROTOCOL_VERSION', data, (r) => ({ version: r.u8('version') })),
    ...okReply,
  } satisfies CommandSpec<ProtocolVersionArgs, void>,
  POLL: pollCommand('POLL', 0x07, 'events since the last poll', 'optional'),
  REJECT_BANKNOTE: simple('REJECT_BANKNOTE', 0x08, 'reject the note held in escrow'),
  DISABLE: simple('DISABLE', 0x09, 'disable the device'),
  ENABLE: simple('ENABLE', 0x0a, 'enable the device'),
  GET_SERIAL_NUMBER: {
    name: 'GET_SERIAL_NUMBER',
    code: 0x0c,
    encryption: 'optional',
    description: 'factory serial number (u32 big-endian); optional sub-device byte',
    encodeArgs(args: SerialNumberArgs | undefined) {
      if (args === undefined) return EMPTY;
      const device = optionalIntArg('GET_SERIAL_NUMBER', argsObject('GET_SERIAL_NUMBER', args), 'device', 0, 255);
      return device === undefined ? EMPTY : Uint8Array.of(device);
    },
    decodeArgs: (data: Uint8Array): SerialNumberArgs =>
      decodeStrict('GET_SERIAL_NUMBER', data, (r) => (r.remaining > 0 ? { device: r.u8('device') } : {})),
    encodeReply: (result: SerialNumberResult) => encodeSerialNumber(result.serialNumber),
    decodeReply: (data: Uint8Array) => ({ serialNumber: decodeSerialNumber(data) }),
  } satisfies CommandSpec<SerialNumberArgs | undefined, SerialNumberResult>,
  UNIT_DATA: {
    name: 'UNIT_DATA',
    code: 0x0d,
    encryption: 'optional',
    description: 'unit type, firmware, country, value multiplier, protocol version',
    ...noArgs('UNIT_DATA'),
    encodeReply: (result: UnitDataResult) => encodeUnitData(result),
    decodeReply: (data: Uint8Array) => decodeUnitData(data),
  } satisfies CommandSpec<void, UnitDataResult>,
  CHANNEL_VALUE_REQUEST: {
    name: 'CHANNEL_VALUE_REQUEST',
    code: 0x0e,
    encryption: 'optional',
    description: 'channel values (v>=6 with currencies and full values)',
    ...noArgs('CHANNEL_VALUE_REQUEST'),
    encodeReply: (result: ChannelValuesResult, ctx: SspContext) => encodeChannelValues(result, ctx),
    decodeReply: (data: Uint8Array, ctx: SspContext) => decodeChannelValues(data, ctx),
  } satisfies CommandSpec<void, ChannelValuesResult>,
  CHANNEL_SECURITY_DATA: {
    name: 'CHANNEL_SECURITY_DATA',
    code: 0x0f,
    encryption: 'optional',
    description: 'security level of each channel',
    ...noArgs('CHANNEL_SECURITY_DATA'),
    encodeReply: (result: ChannelSecurityResult) => encodeChannelSecurity(result),
    decodeReply: (data: Uint8Array) => decodeChannelSecurity(data),
  } satisfies CommandSpec<void, ChannelSecurityResult>,
  CHANNEL_RE_TEACH_DATA: raw('CHANNEL_RE_TEACH_DATA', 0x10, 'vestigial; reply bytes returned as sent'),
  SYNC: simple('SYNC', 0x11, 'resets the sequence flag'),
  LAST_REJECT_CODE: {
    name: 'LAST_REJECT_CODE',
    code: 0x17,
    encryption: 'optional',
    description: 'reason of the last note reject',
    ...noArgs('LAST_REJECT_CODE'),
    encodeReply: (result: Pick<RejectReason, 'code'>) => Uint8Array.of(result.code & 0xff),
    decodeReply: (data: Uint8Array) => decodeRejectReason(new ByteReader(data).u8('reject code')),
  } satisfies CommandSpec<void, RejectReason>,
  HOLD: simple('HOLD', 0x18, 'keep the escrowed note (restarts the escrow time-out)'),
  GET_FIRMWARE_VERSION: {
    name: 'GET_FIRMWARE_VERSION',
    code: 0x20,
    encryption: 'optional',
    description: 'firmware version text',
    ...noArgs('GET_FIRMWARE_VERSION'),
    ...textReply(),
  } satisfies CommandSpec<void, VersionResult>,
  GET_DATASET_VERSION: {
    name: 'GET_DATASET_VERSION',
    code: 0x21,
    encryption: 'optional',
    description: 'dataset version text',
    ...noArgs('GET_DATASET_VERSION'),
    ...textReply(),
  } satisfies CommandSpec<void, VersionResult>,
  SET_GENERATOR: u64Command('SET_GENERATOR', 0x4a, 'Diffie-Hellman generator (prime, u64 LE)', 'generator', undefined),
  SET_MODULUS: u64Command('SET_MODULUS', 0x4b, 'Diffie-Hellman modulus (prime, u64 LE)', 'modulus', undefined),
  REQUEST_KEY_EXCHANGE: u64Command(
    'REQUEST_KEY_EXCHANGE',
    0x4c,
    'host intermediate key in, slave intermediate key out (u64 LE)',
    'hostInterKey',
    'slaveInterKey',
  ),
  SET_BAUD_RATE: {
    name: 'SET_BAUD_RATE',
    code: 0x4d,
    encryption: 'optional',
    description: 'switch to 9600/38400/115200 baud (answered at the old rate)',
    encodeArgs(args: BaudRateArgs) {
      const name = 'SET_BAUD_RATE';
      const a = argsObject(name, args);
      const index = BAUD_RATES.indexOf(a.baudRate as 9600);
      if (index < 0) throw argError(name, `"baudRate" must be 9600, 38400 or 115200, got ${describe(a.baudRate)}`);
      return Uint8Array.of(index, boolArg(name, a, 'persist') ? 1 : 0);
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_BAUD_RATE', data, (r): BaudRateArgs => {
        const baudRate = BAUD_RATES[r.u8('rate')];
        const persist = r.u8('persist');
        if (baudRate === undefined || persist > 1)
          throw outOfRange('SET_BAUD_RATE', 'rate 0..2, persist 0..1', 'device');
        return { baudRate, persist: persist === 1 };
      }),
    ...okReply,
  } satisfies CommandSpec<BaudRateArgs, void>,
  GET_BUILD_REVISION: {
    name: 'GET_BUILD_REVISION',
    code: 0x4f,
    encryption: 'optional',
    description: 'build revision of the device and its attached units',
    ...noArgs('GET_BUILD_REVISION'),
    encodeReply: (result: BuildRevisionResult) => encodeBuildRevision(result.revisions),
    decodeReply: (data: Uint8Array) => ({ revisions: decodeBuildRevision(data) }),
  } satisfies CommandSpec<void, BuildRevisionResult>,
  CONFIGURE_BEZEL: {
    name: 'CONFIGURE_BEZEL',
    code: 0x54,
    encryption: 'optional',
    description: 'bezel colour (R, G, B), volatile or stored, optional type (solid|flash|off)',
    encodeArgs(args: BezelArgs) {
      const name = 'CONFIGURE_BEZEL';
      const a = argsObject(name, args);
      const w = new ByteWriter()
        .u8(intArg(name, a, 'red', 0, 255))
        .u8(intArg(name, a, 'green', 0, 255))
        .u8(intArg(name, a, 'blue', 0, 255))
        .u8(boolArg(name, a, 'volatile') ? 0 : 1);
      if (a.type !== undefined) w.u8(BEZEL_TYPES.indexOf(enumArg(name, a, 'type', BEZEL_TYPES)));
      return w.finish();
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('CONFIGURE_BEZEL', data, (r): BezelArgs => {
        const red = r.u8('red');
        const green = r.u8('green');
        const blue = r.u8('blue');
        const cfg = r.u8('configuration');
        if (cfg > 1) throw outOfRange('CONFIGURE_BEZEL', 'configuration must be 0 or 1', 'device');
        const base = { red, green, blue, volatile: cfg === 0 };
        if (r.remaining === 0) return base;
        const type = BEZEL_TYPES[r.u8('type')];
        if (type === undefined) throw outOfRange('CONFIGURE_BEZEL', 'type must be 0..2', 'device');
        return { ...base, type };
      }),
    ...okReply,
  } satisfies CommandSpec<BezelArgs, void>,
  POLL_WITH_ACK: pollCommand('POLL_WITH_ACK', 0x56, 'poll; credit-type events repeat until EVENT_ACK', 'required'),
  EVENT_ACK: simple('EVENT_ACK', 0x57, 'acknowledge the events of POLL_WITH_ACK', 'required'),
  GET_COUNTERS: {
    name: 'GET_COUNTERS',
    code: 0x58,
    encryption: 'optional',
    description: 'note activity counters: stacked, stored, dispensed, transferred, rejected',
    ...noArgs('GET_COUNTERS'),
    encodeReply: (result: Pick<CountersResult, 'counters'>) => encodeCounters(result),
    decodeReply: (data: Uint8Array) => decodeCounters(data),
  } satisfies CommandSpec<void, CountersResult>,
  RESET_COUNTERS: simple('RESET_COUNTERS', 0x59, 'reset the note activity counters'),
  SET_FIXED_ENCRYPTION_KEY: {
    name: 'SET_FIXED_ENCRYPTION_KEY',
    code: 0x60,
    encryption: 'required',
    description: 'change the fixed half of the eSSP key (u64 LE)',
    encodeArgs: (args: FixedKeyArgs) =>
      new ByteWriter().u64le(fixedKeyArg(argsObject('SET_FIXED_ENCRYPTION_KEY', args).fixedKey)).finish(),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_FIXED_ENCRYPTION_KEY', data, (r) => ({ fixedKey: r.u64le('key') })),
    ...okReply,
  } satisfies CommandSpec<FixedKeyArgs, void>,
  RESET_FIXED_ENCRYPTION_KEY: simple(
    'RESET_FIXED_ENCRYPTION_KEY',
    0x61,
    'fixed key back to the default (device resets)',
  ),
  GET_REAL_TIME_CLOCK_CONFIGURATION: {
    name: 'GET_REAL_TIME_CLOCK_CONFIGURATION',
    code: 0x62,
    encryption: 'optional',
    description: 'whether the real-time clock survives a power cycle',
    ...noArgs('GET_REAL_TIME_CLOCK_CONFIGURATION'),
    encodeReply: (result: RtcConfigurationResult) => Uint8Array.of(result.persistent ? 1 : 0),
    decodeReply: (data: Uint8Array) => ({ persistent: new ByteReader(data).u8('configuration') === 1 }),
  } satisfies CommandSpec<void, RtcConfigurationResult>,
  GET_REAL_TIME_CLOCK: {
    name: 'GET_REAL_TIME_CLOCK',
    code: 0x63,
    encryption: 'optional',
    description: 'date and time of the device clock',
    ...noArgs('GET_REAL_TIME_CLOCK'),
    encodeReply: (result: RtcTime) => rtcBytes('GET_REAL_TIME_CLOCK', result),
    decodeReply: (data: Uint8Array) => readRtc(new ByteReader(data)),
  } satisfies CommandSpec<void, RtcTime>,
  SET_REAL_TIME_CLOCK: {
    name: 'SET_REAL_TIME_CLOCK',
    code: 0x64,
    encryption: 'optional',
    description: 'set date and time (day, month, year 0..99, hour, minute, second)',
    encodeArgs: (args: RtcTime) => rtcBytes('SET_REAL_TIME_CLOCK', args),
    decodeArgs: (data: Uint8Array) => decodeStrict('SET_REAL_TIME_CLOCK', data, readRtc),
    ...okReply,
  } satisfies CommandSpec<RtcTime, void>,
} as const;
