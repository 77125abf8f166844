/**
 * TEBS, printer, TITO and escrow-transaction commands of the eSSP table (0x65-0x7A), typed from GA138 where it gives
 * a layout. Where it does not (the data of the printer sub-commands' replies, READ_ESCROW_VALUE), bytes stay raw:
 * docs/essp-tables.md lists which.
 */
import { ByteReader } from '../../core/bytes.js';
import {
  argError,
  argsObject,
  ByteWriter,
  decodeStrict,
  describe,
  EMPTY,
  expectEnd,
  intArg,
  readCurrency,
  writeCurrency,
} from '../tables/codec.js';
import { dataArg, noArgs, okReply, outOfRange, rawReply, simple } from './build.js';
import type {
  CommandSpec,
  EscrowSizeArgs,
  EscrowSizeResult,
  PrinterSubCommandArgs,
  TebsBarcodeResult,
  TebsLogArgs,
  TebsLogResult,
} from './spec.js';

/** TICKET_PRINT sub-commands (GA138): the bytes after 0x70. */
export const TICKET_PRINT_OPERATIONS = {
  addStaticText: [0x01, 0x01],
  addPlaceholderText: [0x01, 0x02],
  addStaticBarcode: [0x01, 0x03],
  addPlaceholderBarcode: [0x01, 0x04],
  addImage: [0x01, 0x05],
  clearTemplate: [0x01, 0x06],
  clearOnTheFlyBuffer: [0x01, 0x07],
  setPlaceholder: [0x01, 0x08],
  addQrCode: [0x01, 0x09],
  addQrPlaceholder: [0x01, 0x0a],
  setQrPlaceholder: [0x01, 0x0b],
  printTicket: [0x02],
  printBlankTicket: [0x03],
  getTextSize: [0x05, 0x01],
  getImageSize: [0x05, 0x02],
  getBarcodeSize: [0x05, 0x03],
  getTicketResolution: [0x05, 0x04],
  getFontInformation: [0x05, 0x05],
  getTicketSize: [0x05, 0x06],
  getFreeStorage: [0x05, 0x07],
  checkForTemplate: [0x05, 0x08],
  getPresentTemplates: [0x05, 0x09],
  getPresentFonts: [0x05, 0x0a],
  getPresentImages: [0x05, 0x0b],
  getQrCodeDimensions: [0x05, 0x0c],
  getTemplateInfo: [0x05, 0x0d],
  getTemplateItemInfo: [0x05, 0x0e],
  getImageFileChecksum: [0x05, 0x0f],
  getTicketBounds: [0x05, 0x10],
  getPixelDensity: [0x05, 0x11],
} as const satisfies Record<string, readonly number[]>;
export type TicketPrintOperation = keyof typeof TICKET_PRINT_OPERATIONS;

/** PRINTER_CONFIGURATION sub-commands (GA138): the byte after 0x71. */
export const PRINTER_CONFIGURATION_OPERATIONS = {
  setTicketWidth: [0x02],
  setTicketHeight: [0x03],
  setPrintingQuality: [0x06],
  enableReverseValidation: [0x07],
  disableReverseValidation: [0x08],
  deleteFile: [0x0a],
  deleteFileGroup: [0x0b],
  setPaperSavingMode: [0x0d],
  setBezelType: [0x0e],
} as const satisfies Record<string, readonly number[]>;
export type PrinterConfigurationOperation = keyof typeof PRINTER_CONFIGURATION_OPERATIONS;

/** GET_TEBS_BARCODE F5 error bytes (GA138). */
const TEBS_BARCODE_REASONS = {
  1: 'no device connected',
  2: 'unable to read bar code',
  3: 'cashbox out of position',
  4: 'cashbox removed',
  5: 'cashbox unlocked',
  6: 'currency mismatch',
};

/** A sub-command entry: the operation's prefix bytes, then its data (layout per sub-command, kept as sent). */
function subCommand<Op extends string>(
  name: string,
  code: number,
  description: string,
  operations: Readonly<Record<Op, readonly number[]>>,
): CommandSpec<PrinterSubCommandArgs<Op>, Uint8Array> {
  const entries = Object.entries(operations) as [Op, readonly number[]][];
  return {
    name,
    code,
    encryption: 'optional',
    description,
    encodeArgs(args) {
      const a = argsObject(name, args);
      const op = a.operation;
      const prefix =
        typeof op === 'number' && Number.isInteger(op) && op >= 0 && op <= 255
          ? [op]
          : entries.find(([n]) => n === op)?.[1];
      if (!prefix) {
        throw argError(name, `"operation" must be one of ${entries.map(([n]) => n).join('|')}, got ${describe(op)}`);
      }
      const data = dataArg(name, a);
      const w = new ByteWriter();
      for (const b of prefix) w.u8(b);
      if (data) w.bytes(data);
      return w.finish();
    },
    decodeArgs(data) {
      if (data.length === 0) throw argError(name, 'a sub-command byte is required', 'device');
      // the longest prefix that matches names the operation; an unknown one keeps its first byte as a number
      const found = entries
        .filter(([, p]) => p.length <= data.length && p.every((b, i) => data[i] === b))
        .sort((x, y) => y[1].length - x[1].length)[0];
      const length = found ? found[1].length : 1;
      const rest = data.slice(length);
      const operation = found ? found[0] : (data[0] ?? 0);
      return rest.length > 0 ? { operation, data: rest } : { operation };
    },
    // reply layouts differ per sub-command and are kept as sent
    ...rawReply,
  };
}

const PRE_428_LOG_BYTES = 32;

function encodeTebsLog(log: TebsLogResult): Uint8Array {
  const w = new ByteWriter();
  if (log.format === 'pre-4.28') {
    w.u8(log.check).u8(log.index).bytes(log.barcode.subarray(0, 4));
    writeCurrency(w, log.currency);
    w.u16le(log.maxCapacity).bytes(new Uint8Array(3)).u16le(log.otherCount);
    for (let i = 0; i < 8; i++) w.u16le(log.channelCounts[i] ?? 0);
    return w.finish();
  }
  w.u8(log.index).u16le(log.check).bytes(new Uint8Array(4));
  writeCurrency(w, log.currency);
  w.u16le(log.maxCapacity).u8(log.barcode.length).u8(log.channelCounts.length).u8(0).u16le(log.otherCount);
  for (const c of log.channelCounts) w.u16le(c);
  const barcode = new Uint8Array(16);
  barcode.set(log.barcode.subarray(0, 16));
  return w.bytes(barcode).finish();
}

function decodeTebsLog(data: Uint8Array): TebsLogResult {
  const r = new ByteReader(data);
  if (data.length === PRE_428_LOG_BYTES) {
    const check = r.u8('checksum');
    const index = r.u8('log index');
    const barcode = r.bytesOf(4, 'bar code');
    const currency = readCurrency(r);
    const maxCapacity = r.u16le('maximum bill capacity');
    r.bytesOf(3, 'spare');
    const otherCount = r.u16le('other count');
    const channelCounts = Array.from({ length: 8 }, (_, i) => r.u16le(`channel ${i + 1} count`));
    return { format: 'pre-4.28', index, check, barcode, currency, maxCapacity, otherCount, channelCounts };
  }
  const index = r.u8('log index');
  const check = r.u16le('CRC');
  r.bytesOf(4, 'spare');
  const currency = readCurrency(r);
  const maxCapacity = r.u16le('maximum bill capacity');
  const barcodeLength = r.u8('bar code length');
  const channels = r.u8('number of channels');
  r.u8('spare');
  const otherCount = r.u16le('other count');
  const channelCounts = Array.from({ length: channels }, (_, i) => r.u16le(`channel ${i + 1} count`));
  const barcode = r.bytesOf(16, 'bar code').slice(0, Math.min(barcodeLength, 16));
  expectEnd(r, `GET_TEBS_LOG (${channels} channels)`);
  return { format: '4.28', index, check, barcode, currency, maxCapacity, otherCount, channelCounts };
}

export const TEBS_PRINTER_COMMANDS = {
  GET_TEBS_BARCODE: {
    name: 'GET_TEBS_BARCODE',
    code: 0x65,
    encryption: 'optional',
    description: 'TEBS: the bar code of the tamper-evident cash bag',
    ...noArgs('GET_TEBS_BARCODE'),
    encodeReply: (result: TebsBarcodeResult) => result.barcode.slice(),
    decodeReply: (data: Uint8Array) => ({ barcode: data.slice() }),
    cannotProcessReasons: TEBS_BARCODE_REASONS,
  } satisfies CommandSpec<void, TebsBarcodeResult>,
  GET_TEBS_LOG: {
    name: 'GET_TEBS_LOG',
    code: 0x66,
    encryption: 'optional',
    description: 'TEBS: the counts of one of the last five bags (index 0 = newest); F5 5 while gathering',
    encodeArgs: (args: TebsLogArgs) =>
      Uint8Array.of(intArg('GET_TEBS_LOG', argsObject('GET_TEBS_LOG', args), 'index', 0, 4)),
    decodeArgs: (data: Uint8Array) =>
      decodeStrict('GET_TEBS_LOG', data, (r) => {
        const index = r.u8('index');
        if (index > 4) throw outOfRange('GET_TEBS_LOG', 'index 0..4', 'device');
        return { index };
      }),
    encodeReply: (result: TebsLogResult) => encodeTebsLog(result),
    decodeReply: (data: Uint8Array) => decodeTebsLog(data),
    cannotProcessReasons: { 5: 'getting data (ask again)' },
  } satisfies CommandSpec<TebsLogArgs, TebsLogResult>,
  CASHBOX_UNLOCK_ENABLE: simple('CASHBOX_UNLOCK_ENABLE', 0x67, 'TEBS: the key may unlock the cashbox', 'required'),
  CASHBOX_LOCK_ENABLE: simple('CASHBOX_LOCK_ENABLE', 0x68, 'TEBS: the key may not unlock the cashbox', 'required'),
  RESET_TEBS_LOGS: simple('RESET_TEBS_LOGS', 0x69, 'TEBS: every log field back to zero'),
  TICKET_PRINT: subCommand(
    'TICKET_PRINT',
    0x70,
    'printer: template and print sub-commands (data and replies as sent)',
    TICKET_PRINT_OPERATIONS,
  ),
  PRINTER_CONFIGURATION: subCommand(
    'PRINTER_CONFIGURATION',
    0x71,
    'printer configuration sub-commands (data as sent)',
    PRINTER_CONFIGURATION_OPERATIONS,
  ),
  ENABLE_TITO_EVENTS: simple('ENABLE_TITO_EVENTS', 0x72, "NV200/NV12: report the printer's printing/printed events"),
  CANCEL_ESCROW_TRANSACTION: simple(
    'CANCEL_ESCROW_TRANSACTION',
    0x76,
    'SMART Payout escrow firmware: return the escrowed notes',
  ),
  COMMIT_ESCROW_TRANSACTION: simple(
    'COMMIT_ESCROW_TRANSACTION',
    0x77,
    'SMART Payout escrow firmware: commit the escrowed notes',
  ),
  READ_ESCROW_VALUE: {
    name: 'READ_ESCROW_VALUE',
    code: 0x78,
    encryption: 'optional',
    description: 'SMART Payout escrow firmware: escrow value (GA138 gives no reply layout: raw bytes)',
    ...noArgs('READ_ESCROW_VALUE'),
    encodeReply: (result: Uint8Array | undefined) => (result ? result.slice() : EMPTY),
    decodeReply: (data: Uint8Array) => data.slice(),
  } satisfies CommandSpec<void, Uint8Array>,
  GET_ESCROW_SIZE: {
    name: 'GET_ESCROW_SIZE',
    code: 0x79,
    encryption: 'optional',
    description: 'SMART Payout escrow firmware: the escrow spaces set by SET_ESCROW_SIZE (1 byte)',
    ...noArgs('GET_ESCROW_SIZE'),
    encodeReply: (result: EscrowSizeResult) => Uint8Array.of(result.size & 0xff),
    decodeReply: (data: Uint8Array) => ({ size: new ByteReader(data).u8('escrow spaces') }),
  } satisfies CommandSpec<void, EscrowSizeResult>,
  SET_ESCROW_SIZE: {
    name: 'SET_ESCROW_SIZE',
    code: 0x7a,
    encryption: 'optional',
    description: 'SMART Payout escrow firmware: number of escrow spaces (1 byte; validator disabled, escrow empty)',
    encodeArgs: (args: EscrowSizeArgs) =>
      Uint8Array.of(intArg('SET_ESCROW_SIZE', argsObject('SET_ESCROW_SIZE', args), 'size', 0, 255)),
    decodeArgs: (data: Uint8Array) => decodeStrict('SET_ESCROW_SIZE', data, (r) => ({ size: r.u8('size') })),
    ...okReply,
  } satisfies CommandSpec<EscrowSizeArgs, void>,
} as const;
