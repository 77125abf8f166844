/** `kioskbus decode essp`: reads a hex capture and prints the records of `decodeCapture`. */
import { parseHex } from '../../core/bytes.js';
import { isKioskbusError } from '../../core/errors.js';
import { decodeCapture, type DecodeOptions } from '../../essp/capture.js';
import { UsageError, type CliCommand } from '../types.js';
import { recordPrinter, wantsJson } from '../output.js';
import { parseCommandArgs, readHexInput } from '../util.js';

/** `kioskbus decode essp [--key HEX32] [--protocol-version N] [HEX... | -]` */
export const decodeCommand: CliCommand = {
  summary: 'decode an eSSP hex capture, one line per frame',
  usage: `kioskbus decode essp [--key HEX32] [--protocol-version N] [--json] [HEX... | -]

Decodes an eSSP capture given as hex (arguments, or stdin when none or "-"; spaces optional) into one line per
frame (readable on a terminal; JSON with a "type" field with --json or when piped): address, seq, CRC ok/bad, the command of host frames with its arguments, and each reply decoded in the
context of the command before it (POLL replies as events, e.g. CREDIT_NOTE with its channel). Garbage, bad CRCs and
cut frames are reported as lines of their own.

  --key HEX32               the 16-byte AES key (fixed key u64 LE, then the negotiated key u64 LE) in hex:
                            encrypted frames are decrypted and their eCOUNT shown
  --protocol-version N      the protocol version (default: inferred from HOST_PROTOCOL_VERSION, SETUP_REQUEST
                            and the lengths of the data)
  --json                    JSON lines even on a terminal

Example: kioskbus decode essp 7F8001071202 7F8004F0EE01EBB948`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      key: { type: 'string' },
      'protocol-version': { type: 'string' },
      json: { type: 'boolean' },
    });
    const options: DecodeOptions = {};
    if (values.key !== undefined) {
      let key: Uint8Array;
      try {
        key = parseHex(values.key);
      } catch {
        throw new UsageError('--key must be 32 hex digits (16 bytes)');
      }
      // never echo the key
      if (key.length !== 16) throw new UsageError(`--key must be 16 bytes (32 hex digits), got ${key.length} bytes`);
      options.key = key;
    }
    if (values['protocol-version'] !== undefined) {
      const v = Number(values['protocol-version']);
      if (!Number.isInteger(v) || v < 1 || v > 255)
        throw new UsageError('--protocol-version must be an integer 1..255');
      options.protocolVersion = v;
    }
    const text = await readHexInput(positionals, io.stdin);
    let bytes: Uint8Array;
    try {
      bytes = parseHex(text);
    } catch (error) {
      if (isKioskbusError(error)) throw new UsageError(`the capture is not hex: ${error.message}`);
      throw error;
    }
    const print = recordPrinter(io.stdout, wantsJson(io.stdout, values.json));
    for (const record of decodeCapture(bytes, options)) print(record);
    return 0;
  },
};
