/**
 * The validator runtime (SspBus + SspValidator) against the real simulator over an in-memory link, on fake timers:
 * `useValidatorRig()` turns fake timers on for every test of the file and closes what a test started after it.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { SspBus, type SspBusOptions } from '../../src/essp/bus.js';
import { SspValidator, type SspValidatorOptions } from '../../src/essp/devices/validator.js';
import { startSimulatorPair, type SimulatorPair } from '../../src/essp/simulator/pair.js';

export interface ValidatorRig {
  pair: SimulatorPair;
  bus: SspBus;
  validator: SspValidator;
  /** The commands the simulator executed, in order; a replayed one as `NAME (replay)`. */
  commands: string[];
  /** Closes the validator, the bus and the pair (once; later calls wait for the first). */
  close(): Promise<void>;
}

export interface ValidatorRigs {
  /**
   * Starts a simulator (an NV200 unless `sim` names another device) and a validator with `options`; `prepare` runs
   * before the start, for listeners that must see the start-up.
   */
  start(
    options?: SspValidatorOptions,
    sim?: Parameters<typeof startSimulatorPair>[0],
    busOptions?: SspBusOptions,
    prepare?: (validator: SspValidator) => void,
  ): Promise<ValidatorRig>;
}

export function useValidatorRig(): ValidatorRigs {
  const started: ValidatorRig[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    for (const rig of started.splice(0)) await rig.close();
    vi.useRealTimers();
  });
  return {
    async start(options = {}, sim = {}, busOptions = {}, prepare) {
      const pair = startSimulatorPair({ device: 'nv200', ...sim });
      const commands: string[] = [];
      pair.simulator.on('command', (c) => commands.push(c.replayed ? `${c.name} (replay)` : c.name));
      const bus = new SspBus(pair.host, busOptions);
      const validator = new SspValidator(bus, options);
      let closing: Promise<void> | undefined;
      const rig: ValidatorRig = {
        pair,
        bus,
        validator,
        commands,
        close() {
          closing ??= (async () => {
            await validator.close();
            await bus.close();
            await pair.close();
          })();
          return closing;
        },
      };
      started.push(rig);
      prepare?.(validator);
      const starting = validator.start();
      await vi.advanceTimersByTimeAsync(0);
      await starting;
      return rig;
    },
  };
}
