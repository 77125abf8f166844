/**
 * `kioskbus/controllerbox`: host of the ControllerBox UART protocol (card dispensers, bill
 * acceptor, RFID reader, audio and IO of a card-vending kiosk controller). The simulator is in
 * `kioskbus/controllerbox/simulator`.
 */
export * from './frame.js';
export * from './messages.js';
export * from './link.js';
export * from './host.js';
export * from './denominations.js';
export * from './capture.js';
