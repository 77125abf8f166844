/**
 * `kioskbus/ccnet/simulator`: simulated CCNET peripherals (Bill-to-Bill / bill validator, coin changer, card reader)
 * answering a host over any transport, and their script language.
 */
export * from './base.js';
export * from './bill.js';
export * from './coin.js';
export * from './card.js';
export { scriptSimulator, describeSimulator, CCNET_SCRIPT_HELP } from './script.js';
