/**
 * The device runtime a payout facade owns: the note validator runtime for note recyclers (SMART Payout, NV11,
 * NV4000), the plain device runtime for coin devices (SMART Hopper, SMART System), each with the facade's hooks (its
 * events go to the facade; its set-up and poll events include the payout's).
 */
import type { SspBus } from '../bus.js';
import type { SspEvent } from '../events.js';
import { SspDevice, type ReinitialiseReason, type SspDeviceOptions } from './runtime.js';
import { SspValidator, type SspValidatorOptions } from './validator.js';

/** Hooks a payout facade gives the runtime it owns. */
export interface RuntimeHooks {
  emit(name: string, args: unknown[]): void;
  configure(): Promise<void>;
  handleEvents(events: SspEvent[]): Promise<void>;
}

/** The runtime a payout facade owns: a note validator runtime (note recyclers) or the plain device runtime (coins). */
export type PayoutRuntime = SspValidator | SspDevice;

/** A validator runtime whose events go to the facade and whose set-up and poll events include the payout's. */
export function noteRuntime(bus: SspBus, options: SspValidatorOptions, hooks: RuntimeHooks): SspValidator {
  class PayoutValidatorRuntime extends SspValidator {
    protected override emitTyped(name: string, ...args: unknown[]): void {
      hooks.emit(name, args);
    }
    protected override async configure(reason: ReinitialiseReason): Promise<void> {
      await super.configure(reason);
      await hooks.configure();
    }
    protected override async handleEvents(events: SspEvent[]): Promise<void> {
      await super.handleEvents(events);
      await hooks.handleEvents(events);
    }
  }
  return new PayoutValidatorRuntime(bus, options);
}

/** The device runtime of a coin device (no note path), with the payout hooks. */
export function coinRuntime(bus: SspBus, options: SspDeviceOptions, hooks: RuntimeHooks): SspDevice {
  class PayoutCoinRuntime extends SspDevice {
    private deviceDisabled: boolean | undefined;
    protected override emitTyped(name: string, ...args: unknown[]): void {
      hooks.emit(name, args);
    }
    protected override async configure(): Promise<void> {
      await hooks.configure();
    }
    protected override async handleEvents(events: SspEvent[]): Promise<void> {
      if (events.some((e) => e.name === 'DISABLED') && this.deviceDisabled !== true) {
        this.deviceDisabled = true;
        hooks.emit('disabled', []);
        // the coin side disabled itself (its 5 s watchdog) while the application wants it enabled: set it up again
        this.disabledByDevice();
      }
      await hooks.handleEvents(events);
    }
    protected override afterPoll(events: SspEvent[]): void {
      // like the validator runtime: `enabled` when DISABLED stops being reported
      if (this.deviceDisabled === true && !events.some((e) => e.name === 'DISABLED')) {
        this.deviceDisabled = false;
        hooks.emit('enabled', []);
      }
    }
  }
  return new PayoutCoinRuntime(bus, options);
}
