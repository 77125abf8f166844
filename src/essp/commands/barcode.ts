/** Bar code reader commands of the eSSP table (0x23-0x27). */
import { ByteReader } from '../../core/bytes.js';
import {
  decodeBarCodeConfiguration,
  decodeBarCodeData,
  encodeBarCodeConfiguration,
  encodeBarCodeData,
  BAR_CODE_READERS,
  type BarCodeData,
  type BarCodeReaderConfiguration,
} from '../decoders.js';
import { argsObject, boolArg, decodeStrict, enumArg, intArg, optionalIntArg } from '../tables/codec.js';
import type { BarCodeConfigurationArgs, BarCodeInhibitArgs, BarCodeInhibitResult, CommandSpec } from './spec.js';
import { noArgs, okReply, outOfRange } from './build.js';

export const BAR_CODE_COMMANDS = {
  GET_BAR_CODE_READER_CONFIGURATION: {
    name: 'GET_BAR_CODE_READER_CONFIGURATION',
    code: 0x23,
    encryption: 'optional',
    description: 'bar code readers fitted and enabled, format, number of characters',
    ...noArgs('GET_BAR_CODE_READER_CONFIGURATION'),
    encodeReply: (result: BarCodeReaderConfiguration) => encodeBarCodeConfiguration(result),
    decodeReply: (data: Uint8Array) => decodeBarCodeConfiguration(data),
  } satisfies CommandSpec<void, BarCodeReaderConfiguration>,
  SET_BAR_CODE_CONFIGURATION: {
    name: 'SET_BAR_CODE_CONFIGURATION',
    code: 0x24,
    encryption: 'optional',
    description: 'enable bar code readers (none|top|bottom|both), format, 6..24 characters',
    encodeArgs(args: BarCodeConfigurationArgs) {
      const name = 'SET_BAR_CODE_CONFIGURATION';
      const a = argsObject(name, args);
      const enable = enumArg(name, a, 'enable', BAR_CODE_READERS);
      const numChar = intArg(name, a, 'numChar', 6, 24);
      const format = optionalIntArg(name, a, 'format', 1, 1) ?? 1;
      return Uint8Array.of(BAR_CODE_READERS.indexOf(enable), format, numChar);
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_BAR_CODE_CONFIGURATION', data, (r) => {
        const e = r.u8('enable');
        const format = r.u8('format');
        const numChar = r.u8('number of characters');
        const enable = BAR_CODE_READERS[e];
        if (enable === undefined || format !== 1 || numChar < 6 || numChar > 24) {
          throw outOfRange('SET_BAR_CODE_CONFIGURATION', 'enable 0..3, format 1, 6..24 characters', 'device');
        }
        return { enable, numChar, format };
      }),
    ...okReply,
  } satisfies CommandSpec<BarCodeConfigurationArgs, void>,
  GET_BAR_CODE_INHIBIT_STATUS: {
    name: 'GET_BAR_CODE_INHIBIT_STATUS',
    code: 0x25,
    encryption: 'optional',
    description: 'currency/bar code inhibit register (bit clear = enabled)',
    ...noArgs('GET_BAR_CODE_INHIBIT_STATUS'),
    encodeReply: (result: Pick<BarCodeInhibitResult, 'raw'>) => Uint8Array.of(result.raw),
    decodeReply(data: Uint8Array) {
      const b = new ByteReader(data).u8('inhibit register');
      return { currencyRead: (b & 1) === 0, barCode: (b & 2) === 0, raw: b };
    },
  } satisfies CommandSpec<void, BarCodeInhibitResult>,
  SET_BAR_CODE_INHIBIT_STATUS: {
    name: 'SET_BAR_CODE_INHIBIT_STATUS',
    code: 0x26,
    encryption: 'optional',
    description: 'enable bank notes and/or bar code tickets (bit 0 currency, bit 1 bar code, 0 = enabled)',
    encodeArgs(args: BarCodeInhibitArgs) {
      const name = 'SET_BAR_CODE_INHIBIT_STATUS';
      const a = argsObject(name, args);
      const currency = boolArg(name, a, 'currencyRead');
      const barCode = boolArg(name, a, 'barCode');
      return Uint8Array.of(0xfc | (currency ? 0 : 1) | (barCode ? 0 : 2));
    },
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('SET_BAR_CODE_INHIBIT_STATUS', data, (r) => {
        const b = r.u8('inhibit register');
        if ((b & 0xfc) !== 0xfc) throw outOfRange('SET_BAR_CODE_INHIBIT_STATUS', 'bits 2..7 must be set', 'device');
        return { currencyRead: (b & 1) === 0, barCode: (b & 2) === 0 };
      }),
    ...okReply,
  } satisfies CommandSpec<BarCodeInhibitArgs, void>,
  GET_BAR_CODE_DATA: {
    name: 'GET_BAR_CODE_DATA',
    code: 0x27,
    encryption: 'optional',
    description: 'last bar code ticket: status (none|escrow|stacked|rejected) and data',
    ...noArgs('GET_BAR_CODE_DATA'),
    encodeReply: (result: Pick<BarCodeData, 'statusCode' | 'data'>) => encodeBarCodeData(result),
    decodeReply: (data: Uint8Array) => decodeBarCodeData(data),
  } satisfies CommandSpec<void, BarCodeData>,
} as const;
