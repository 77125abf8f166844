import type { ControllerBoxHostEventMap } from '../../src/controllerbox/host.js';

/** The host events that report something the box saw (statuses and events). */
export const BOX_EVENTS = [
  'deviceError',
  'billAcceptorStatus',
  'tcdStatus',
  'rfidDetected',
  'billAccepted',
  'cardEvent',
] as const satisfies readonly (keyof ControllerBoxHostEventMap)[];

/** Those plus the diagnostics a test records. */
export const RECORDED_EVENTS = [
  ...BOX_EVENTS,
  'unknown',
  'frameError',
  'crcDetected',
  'error',
] as const satisfies readonly (keyof ControllerBoxHostEventMap)[];
