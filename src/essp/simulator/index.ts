/**
 * `kioskbus/essp/simulator`: the eSSP device simulator: `SspSimulator`, its profiles and scripting, the payout
 * device helpers, and `startSimulatorPair` for tests and demos.
 */
export {
  SspSimulator,
  DEFAULT_REPLY_LATENCY_MS,
  WATCHDOG_MS,
  type SspSimulatorOptions,
  type SimulatorStats,
  type SimulatorState,
  type SimulatorEventMap,
} from './simulator.js';
export { startSimulatorPair, type SimulatorPair } from './pair.js';
export {
  PROFILES as SIM_PROFILES,
  SIM_DEVICE_NAMES,
  DEFAULT_TIMING,
  profileFor,
  type DeviceProfile,
  type DeviceFeatures,
  type NoteTiming,
  type SimChannel,
  type SimDeviceName,
  type ValidatorDeviceName,
} from './profiles.js';
export {
  NoteValidator,
  RejectCode as SimRejectCode,
  type InsertNoteOptions,
  type InsertResult,
  type NoteInPath,
  type NotePhase,
  type ValidatorCounters,
  type ValidatorState,
} from './validator.js';
export { EventQueue, ACKED_EVENTS, type SimEvent, type SimEventName } from './event-queue.js';
export type { SimBehaviour, SimCommand, SimCore, PowerUpOptions, NoteInsideAtPowerUp } from './behaviour.js';
export { runScriptLine, describeState, scriptDelayMs, SCRIPT_HELP, ScriptError } from './script.js';
export { parseEventWords, EVENT_LINE_HELP } from './scripted-event.js';
export { CREDIT_EVENTS } from './simulator.js';
export {
  hopperOf,
  noteRecyclerOf,
  nv11Of,
  payoutOf,
  PAYOUT_DEVICE_NAMES,
  type CurrencyAccount,
  type PayoutAccounting,
  type PayoutDeviceName,
  type PayoutSimOptions,
  type PayoutTiming,
} from './payout/index.js';
