/**
 * The no-command watchdog of a simulated eSSP device (GA138: no command for the period, the device disables itself
 * and rejects a note held in escrow). One timer stays armed; when commands came meanwhile it re-arms itself for the
 * rest of the period (cheaper than a new timer per frame at thousands of frames per second).
 */
import type { Clock, TimerHandle } from '../../core/clock.js';

export class CommandWatchdog {
  private timer: TimerHandle | undefined;
  private lastCommandAt = 0;

  constructor(
    private readonly clock: Clock,
    readonly periodMs: number,
    private readonly expired: () => void,
  ) {}

  /** A command arrived: the period starts again. */
  kick(): void {
    this.lastCommandAt = this.clock.now();
    if (this.timer !== undefined) return;
    const arm = (ms: number): void => {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        const idle = this.clock.now() - this.lastCommandAt;
        if (idle < this.periodMs) arm(this.periodMs - idle);
        else this.expired();
      }, ms);
    };
    arm(this.periodMs);
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
