/**
 * Which card dispenses still wait for their CARD_EVENT `out`, per card dispenser (TCD). A DISPENSE_CARD answered
 * with success expects one card event; a dispense whose answer was in doubt waits (bounded) for the event that proves
 * the card left. Events are matched in order: those expected by confirmed dispenses first, then the doubtful one.
 */
import type { Clock, TimerHandle } from '../core/clock.js';

interface Waiter {
  tcd: number;
  resolve: (seen: boolean) => void;
  timer: TimerHandle;
}

export class CardLedger {
  private readonly expected = new Map<number, number>();
  private readonly waiters: Waiter[] = [];

  constructor(private readonly clock: Clock) {}

  /** A DISPENSE_CARD on `tcd` was answered with success: one CARD_EVENT out will come. */
  expect(tcd: number): void {
    this.expected.set(tcd, (this.expected.get(tcd) ?? 0) + 1);
  }

  /** True while a dispense on `tcd` waits for its event (confirmed or in doubt). */
  waiting(tcd: number): boolean {
    return (this.expected.get(tcd) ?? 0) > 0 || this.waiters.some((w) => w.tcd === tcd);
  }

  /** A CARD_EVENT out on `tcd` was reported. */
  cardOut(tcd: number): void {
    const count = this.expected.get(tcd) ?? 0;
    if (count > 0) {
      if (count === 1) this.expected.delete(tcd);
      else this.expected.set(tcd, count - 1);
      return;
    }
    const index = this.waiters.findIndex((w) => w.tcd === tcd);
    const waiter = index >= 0 ? this.waiters.splice(index, 1)[0] : undefined;
    if (!waiter) return;
    this.clock.clearTimeout(waiter.timer);
    waiter.resolve(true);
  }

  /** Waits at most `ms` for the CARD_EVENT out of a dispense whose answer was in doubt; true when it came. */
  confirm(tcd: number, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        tcd,
        resolve,
        timer: this.clock.setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(false);
        }, ms),
      };
      this.waiters.push(waiter);
    });
  }

  /** Forgets the expectations (the box restarted: a dispense that did not report by now never will). */
  clear(): void {
    this.expected.clear();
  }

  /** Stops waiting (host closed): the waits end without a confirmation. */
  close(): void {
    for (const waiter of this.waiters.splice(0)) {
      this.clock.clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.expected.clear();
  }
}
