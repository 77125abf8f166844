import type { SerialDefaults } from '../transport/open.js';

/** eSSP line settings (GA138 p.6): 9600 bps, 8 data bits, no parity, 2 stop bits. */
export const ESSP_SERIAL_DEFAULTS: SerialDefaults = { baudRate: 9600, dataBits: 8, stopBits: 2, parity: 'none' };
