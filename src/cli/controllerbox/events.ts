/** The ControllerBox host events a watch prints. */
import type { ControllerBoxHostEventMap } from '../../controllerbox/host.js';

/** The host events that report something the box saw (statuses and events). */
export const BOX_EVENTS = [
  'deviceError',
  'billAcceptorStatus',
  'tcdStatus',
  'rfidDetected',
  'billAccepted',
  'cardEvent',
] as const satisfies readonly (keyof ControllerBoxHostEventMap)[];

/** What `watch controllerbox` prints: what the box saw, what the host could not read, and its errors. */
export const WATCHED_EVENTS = [
  ...BOX_EVENTS,
  'unknown',
  'frameError',
  'crcDetected',
  'duplicate',
  'error',
] as const satisfies readonly (keyof ControllerBoxHostEventMap)[];
