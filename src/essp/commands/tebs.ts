/** TEBS, printer, TITO and escrow-transaction commands of the eSSP table (0x65-0x7A). */
import { argsObject, decodeStrict, intArg } from '../tables/codec.js';
import type { EscrowSizeArgs, CommandSpec } from './spec.js';
import { okReply, simple, raw } from './build.js';

export const TEBS_PRINTER_COMMANDS = {
  GET_TEBS_BARCODE: raw('GET_TEBS_BARCODE', 0x65, 'TEBS bag bar code (raw bytes)'),
  GET_TEBS_LOG: raw('GET_TEBS_LOG', 0x66, 'TEBS log (raw bytes)'),
  CASHBOX_UNLOCK_ENABLE: raw('CASHBOX_UNLOCK_ENABLE', 0x67, 'TEBS cashbox unlock (raw bytes)', 'required'),
  CASHBOX_LOCK_ENABLE: raw('CASHBOX_LOCK_ENABLE', 0x68, 'TEBS cashbox lock (raw bytes)', 'required'),
  RESET_TEBS_LOGS: raw('RESET_TEBS_LOGS', 0x69, 'TEBS reset logs (raw bytes)'),
  TICKET_PRINT: raw('TICKET_PRINT', 0x70, 'printer: print a ticket (raw bytes)'),
  PRINTER_CONFIGURATION: raw('PRINTER_CONFIGURATION', 0x71, 'printer configuration (raw sub-commands)'),
  ENABLE_TITO_EVENTS: raw('ENABLE_TITO_EVENTS', 0x72, 'NV200: enable ticket-in/ticket-out events (raw bytes)'),
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
  READ_ESCROW_VALUE: raw(
    'READ_ESCROW_VALUE',
    0x78,
    'SMART Payout escrow firmware: escrow value (reply layout undocumented)',
  ),
  GET_ESCROW_SIZE: raw(
    'GET_ESCROW_SIZE',
    0x79,
    'SMART Payout escrow firmware: escrow spaces (reply layout undocumented)',
  ),
  SET_ESCROW_SIZE: {
    name: 'SET_ESCROW_SIZE',
    code: 0x7a,
    encryption: 'optional',
    description: 'SMART Payout escrow firmware: number of escrow spaces (1 byte)',
    encodeArgs: (args: EscrowSizeArgs) =>
      Uint8Array.of(intArg('SET_ESCROW_SIZE', argsObject('SET_ESCROW_SIZE', args), 'size', 0, 255)),
    decodeArgs: (data: Uint8Array) => decodeStrict('SET_ESCROW_SIZE', data, (r) => ({ size: r.u8('size') })),
    ...okReply,
  } satisfies CommandSpec<EscrowSizeArgs, void>,
} as const;
