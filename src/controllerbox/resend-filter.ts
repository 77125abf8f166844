/**
 * Tells the box's resend of an event from a new event with the same bytes. The frame carries no counter, so this is a
 * judgement, made on three facts:
 *
 * 1. **Anchored window**: a repeat counts as a resend only within `windowMs` of the FIRST receipt of those bytes
 *    (repeats do not extend it), so a real next bill of the same value after the window is always new.
 * 2. **Our answer may have been lost only while the box has not moved on**: the box sends one unsolicited frame at a
 *    time and resends it until it sees our answer (stop-and-wait). Any other frame from the box after the first
 *    receipt shows that our answer got through, so an identical frame after it is new.
 * 3. **What the host asked for**: a CARD_EVENT `out` on a dispenser with a dispense still to be confirmed is the card
 *    the host asked for, never a resend.
 *
 * Pure: the caller supplies the time.
 */
export interface ResendVerdict {
  /** Time since the first receipt, when the frame is taken for a resend. */
  resendSinceMs: number | undefined;
}

export class ResendFilter {
  private last: { raw: string; firstAt: number } | undefined;

  constructor(readonly windowMs: number) {}

  /**
   * Called for every status or event frame that fits the table (answered with success). Returns the time since the
   * first receipt when the frame is the box's resend of the previous one, else undefined (and remembers it).
   */
  check(raw: string, now: number, canRepeat: boolean): number | undefined {
    const last = this.last;
    if (canRepeat && this.windowMs > 0 && last?.raw === raw && now - last.firstAt <= this.windowMs) {
      return now - last.firstAt;
    }
    this.last = { raw, firstAt: now };
    return undefined;
  }

  /** Forgets the last frame (the box restarted: whatever it sends next is new). */
  reset(): void {
    this.last = undefined;
  }
}
