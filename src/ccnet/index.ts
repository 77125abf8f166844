/**
 * `kioskbus/ccnet`: CCNET (CashCode NET) hosts, frame codec and codec tables. No simulator code: simulators are in
 * `kioskbus/ccnet/simulator`.
 */
export * from './frame.js';
export * from './frame-adapter.js';
export * from './codec.js';
export * from './states.js';
export * from './commands.js';
export * from './link.js';
export * from './bus.js';
export * from './capture.js';
export * from './devices/runtime.js';
export * from './devices/device-common.js';
export * from './devices/device-base.js';
export type { BillInDoubt } from './devices/bill-doubt.js';
export * from './devices/bill.js';
export * from './devices/coin-changer.js';
export * from './devices/card-reader.js';
export { CCNET_SERIAL_DEFAULTS } from './line.js';
