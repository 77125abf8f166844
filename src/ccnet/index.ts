/** `kioskbus/ccnet`: CCNET (CashCode NET) hosts, simulators, frame codec and codec tables. */
export * from './frame.js';
export * from './codec.js';
export * from './states.js';
export * from './commands.js';
export * from './link.js';
export * from './bus.js';
export * from './capture.js';
export * from './devices/runtime.js';
export * from './devices/device-common.js';
export * from './devices/bill.js';
export * from './devices/coin-changer.js';
export * from './devices/card-reader.js';
export * from './simulator/base.js';
export * from './simulator/bill.js';
export * from './simulator/coin.js';
export * from './simulator/card.js';
export { CCNET_SERIAL_DEFAULTS } from './line.js';
export { scriptSimulator, CCNET_SCRIPT_HELP } from './simulator/script.js';
