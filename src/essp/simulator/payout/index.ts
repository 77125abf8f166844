/**
 * Simulated eSSP payout devices: `new SspSimulator({ device: 'smart-payout' | 'smart-hopper' | 'nv11' | 'nv4000' |
 * 'smart-system', payout: { levels, routes, timing } })`, driven by the accessors below (take a note from the bezel,
 * jam, insert coins, read the money accounting).
 */
import { ErrorCode, KioskbusError } from '../../../core/errors.js';
import type { SspSimulator } from '../simulator.js';
import { CoinHopper } from './coins.js';
import { PayoutEngine } from './engine.js';
import { NoteRecycler, Nv11Float } from './notes.js';

export { planChange, type Stock } from './change.js';
export { CoinHopper, type CoinResult } from './coins.js';
export {
  DEFAULT_PAYOUT_TIMING,
  PayoutEngine,
  type Denomination,
  type Item,
  type Operation,
  type OperationKind,
  type PayoutCounters,
} from './engine.js';
export { NoteRecycler, Nv11Float } from './notes.js';
export { PAYOUT_DEVICE_NAMES, PAYOUT_PROFILES, type PayoutDeviceName } from './profiles.js';
export type * from './types.js';

function find<T>(sim: SspSimulator, type: abstract new (...args: never[]) => T, what: string): T {
  for (const name of ['smart-payout', 'nv4000', 'nv11', 'smart-hopper', 'smart-system']) {
    const b = sim.behaviour(name);
    if (b instanceof type) return b;
  }
  throw new KioskbusError(ErrorCode.InvalidArgument, `${sim.profile.model} is not ${what}`);
}

/** The payout part of a simulated payout device (any of them). */
export function payoutOf(sim: SspSimulator): PayoutEngine {
  return find(sim, PayoutEngine, 'a payout device');
}

/** The note recycler of a SMART Payout / NV4000 / NV11 simulator. */
export function noteRecyclerOf(sim: SspSimulator): NoteRecycler {
  return find(sim, NoteRecycler, 'a note recycler (SMART Payout, NV4000, NV11)');
}

export function nv11Of(sim: SspSimulator): Nv11Float {
  return find(sim, Nv11Float, 'an NV11');
}

/** The coin part of a SMART Hopper / SMART System simulator. */
export function hopperOf(sim: SspSimulator): CoinHopper {
  return find(sim, CoinHopper, 'a SMART Hopper or SMART System');
}
