/**
 * A bill in motion across a RESET or a power-up. A bill the host saw ACCEPTING or STACKING, or told to STACK, ends
 * in BILL_STACKED, BILL_RETURNED, REJECTING or ESCROW. When the device is reset (the host's RESET while it was
 * silent, as the spec asks, or its own set-up) or powers up before the host saw that end, the event may be gone:
 * a STACKED the device sent on a dead line is lost with the RESET (the manual's credit recovery covers only a
 * STACKED never sent, and then reports it once initialised). So the first state after the device is initialised
 * again tells: BILL_STACKED is the credit (recovery); anything else leaves the bill's fate unknown, and the host
 * says so (`billInDoubt`) instead of guessing either way.
 */
import type { BillState } from '../states.js';

/** What the host knows of a bill whose end it did not see. */
export interface BillInDoubt {
  /** The last state that showed the bill moving (ACCEPTING, STACKING; ESCROW when STACK was sent). */
  lastState: BillState;
  /** The device was reset by the host, or powered up, before the bill's end was seen. */
  after: 'reset' | 'power-up';
}

/** States that end a bill's journey (or hand it over to `billAtPowerUp`). */
const ENDS = new Set([0x80, 0x81, 0x82, 0x1c, 0x11, 0x12]);
/** States of a bill being drawn in or stacked. */
const MOVING = new Set([0x15, 0x17]);
/** States while the device is not ready after power-up or RESET. */
const STARTING = new Set([0x10, 0x13, 0x1b]);

export class BillMotion {
  private moving: BillState | undefined;
  private interrupted: BillInDoubt['after'] | undefined;

  /** STACK was sent for the bill in escrow (`escrow`: the ESCROW state it was in). */
  stacking(escrow: BillState | undefined): void {
    if (escrow?.code === 0x80) this.moving = escrow;
  }

  /** The host is about to send RESET. */
  reset(): void {
    if (this.moving) this.interrupted ??= 'reset';
  }

  /** A new POLL state (repeats left out); returns a bill whose fate the device can no longer tell. */
  observe(state: BillState): BillInDoubt | undefined {
    if (state.code === 0x10 && this.moving) this.interrupted ??= 'power-up';
    if (STARTING.has(state.code)) return undefined;
    let doubt: BillInDoubt | undefined;
    if (this.moving && this.interrupted && state.code !== 0x81) {
      doubt = { lastState: this.moving, after: this.interrupted };
    }
    this.interrupted = undefined;
    if (MOVING.has(state.code)) this.moving = state;
    else if (ENDS.has(state.code) || doubt || state.code === 0x14 || state.code === 0x19) this.moving = undefined;
    return doubt;
  }
}
