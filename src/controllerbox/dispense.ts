/**
 * Which card dispenses still wait for their CARD_EVENT `out`, per card dispenser (TCD). Every `dispenseCard()` holds a
 * ticket from before its frame is written (the event may come before the answer, or instead of a lost answer) until
 * its card event is matched. Events are matched to the oldest open ticket of their TCD. A ticket whose answer was in
 * doubt waits (bounded) for the event that proves the card left.
 */
import type { Clock, TimerHandle } from '../core/clock.js';

export interface DispenseTicket {
  readonly tcd: number;
  /** Its CARD_EVENT out arrived. */
  seen: boolean;
  state: 'sending' | 'expected' | 'waiting';
  resolve: ((seen: boolean) => void) | undefined;
  timer: TimerHandle | undefined;
}

export class CardLedger {
  private readonly tickets: DispenseTicket[] = [];

  constructor(private readonly clock: Clock) {}

  /** A DISPENSE_CARD on `tcd` is about to be written. */
  begin(tcd: number): DispenseTicket {
    const ticket: DispenseTicket = { tcd, seen: false, state: 'sending', resolve: undefined, timer: undefined };
    this.tickets.push(ticket);
    return ticket;
  }

  /** The box answered success: the card event will come (or came already). */
  succeeded(ticket: DispenseTicket): void {
    if (ticket.seen) this.remove(ticket);
    else ticket.state = 'expected';
  }

  /** The box refused: no card will come for this ticket. */
  refused(ticket: DispenseTicket): void {
    this.remove(ticket);
  }

  /** True while a dispense on `tcd` waits for its event (such an event is never a resend). */
  waiting(tcd: number): boolean {
    return this.tickets.some((t) => t.tcd === tcd && !t.seen);
  }

  /** A CARD_EVENT out on `tcd` arrived; false when no dispense of this host waited for it. */
  cardOut(tcd: number): boolean {
    const ticket = this.tickets.find((t) => t.tcd === tcd && !t.seen);
    if (!ticket) return false;
    ticket.seen = true;
    if (ticket.state === 'expected') this.remove(ticket);
    if (ticket.state === 'waiting') {
      this.remove(ticket);
      this.clock.clearTimeout(ticket.timer);
      ticket.resolve?.(true);
    }
    return true;
  }

  /** The answer was in doubt: true when the card event came (already, or within `ms`). */
  confirm(ticket: DispenseTicket, ms: number): Promise<boolean> {
    if (ticket.seen) {
      this.remove(ticket);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      ticket.state = 'waiting';
      ticket.resolve = resolve;
      ticket.timer = this.clock.setTimeout(() => {
        this.remove(ticket);
        resolve(false);
      }, ms);
    });
  }

  /** Forgets confirmed dispenses still waiting for their event (the box restarted: they will not report now). */
  clear(): void {
    for (const ticket of [...this.tickets]) if (ticket.state === 'expected') this.remove(ticket);
  }

  /** Stops waiting (host closed): the waits end without a confirmation. */
  close(): void {
    for (const ticket of this.tickets.splice(0)) {
      this.clock.clearTimeout(ticket.timer);
      ticket.resolve?.(false);
    }
  }

  private remove(ticket: DispenseTicket): void {
    const index = this.tickets.indexOf(ticket);
    if (index >= 0) this.tickets.splice(index, 1);
  }
}
