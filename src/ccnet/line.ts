import type { SerialDefaults } from '../transport/open.js';

/** CCNET line settings (spec §2.1): 9600 bps (19200 hardware selectable), 8 data bits, no parity, 1 stop bit. */
export const CCNET_SERIAL_DEFAULTS: SerialDefaults = { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none' };
