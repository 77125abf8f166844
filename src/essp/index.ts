/**
 * `kioskbus/essp`: the eSSP host API (bus, link, devices, crypto), frame codec, command and event tables and capture
 * decoding. No simulator code: simulators are in `kioskbus/essp/simulator`.
 */
export * from './line.js';
export * from './frame.js';
export * from './crypto.js';
export * from './link.js';
export * from './bus.js';
export * from './commands.js';
export * from './events.js';
export * from './generic.js';
export * from './decoders.js';
export { decodeCapture, recordToJson, type DecodeOptions, type DecodeRecord } from './capture.js';
export * from './devices/runtime.js';
export * from './devices/validator.js';
export * from './devices/payout-common.js';
export * from './devices/smart-payout.js';
export * from './devices/nv4000.js';
export * from './devices/nv11.js';
export * from './devices/smart-hopper.js';
export * from './devices/smart-system.js';
