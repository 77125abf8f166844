/**
 * kioskbus/controllerbox: host and simulator of the ControllerBox UART protocol (card dispensers, bill
 * acceptor, RFID reader, audio and IO of a card-vending kiosk controller).
 */
export * from './frame.js';
export * from './messages.js';
export * from './link.js';
export * from './host.js';
export * from './denominations.js';
export * from './capture.js';
export * from './simulator/simulator.js';
export { runScriptLine, SCRIPT_HELP } from './simulator/script.js';
