/**
 * `kioskbus probe <path-or-url>`: which devices answer on this port? For each protocol in turn (eSSP, CCNET,
 * ControllerBox) the port is opened with that protocol's line settings, the usual addresses are asked with
 * short timeouts and few retries, what can be read without side effects is read, and the port is closed again.
 *
 * Only harmless requests go out: eSSP SYNC, SETUP_REQUEST, GET_SERIAL_NUMBER, GET_FIRMWARE_VERSION,
 * GET_DATASET_VERSION (plain text, or encrypted after a key exchange when `--fixed-key` is given); CCNET
 * IDENTIFICATION (no RESET, and no POLL: an acknowledged POLL consumes the event it reports, e.g. a stacked bill
 * the kiosk application has not credited yet); ControllerBox REQUEST_VERSION, with the box's own reports left
 * unanswered (an answer would confirm a bill the application never saw).
 */
export * from './probe/types.js';
export { probePort } from './probe/port.js';
export { formatDevice } from './probe/format.js';
export { PROBE_USAGE, probeCommand } from './probe/command.js';
