/**
 * What the service's CCNET device adapters share: one base (host, simulator, enable/disable, stop, the simulator
 * actions `power-cut` and `lose-answer`), bill and coin tables, the power-cut length.
 */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { DenominationWord } from '../../ccnet/index.js';
import type { SimFaults } from '../../ccnet/simulator/index.js';
import { BaseDevice, type BaseOptions } from './base.js';
import type { SimAction, SimActionName } from './types.js';

/** How many polls a simulated power cut leaves unanswered. */
export const POWER_CUT_POLLS = 25;

export interface Common extends BaseOptions {
  release: () => Promise<void>;
  payoutTimeoutMs?: number;
}

/** What the service does with every CCNET host: switch it on and off, stop it. */
export interface CcnetHost {
  enable(): Promise<unknown>;
  disable(): Promise<unknown>;
  stop(): void;
}

/** Disables the host when it still answers, stops its polling, then lets go of the shared bus. */
export async function stopHost(host: CcnetHost, release: () => Promise<void>): Promise<void> {
  try {
    await host.disable();
  } catch {
    // gone: nothing to disable
  }
  host.stop();
  await release();
}

/** The part of a CCNET simulator the service drives in common (any class's simulator fits). */
export interface CcnetSim {
  readonly faults: SimFaults;
  on(event: 'command', listener: (name: string) => void): unknown;
}

/**
 * A CCNET host in the service: enable/disable switch the host, `stop` releases the shared bus; the simulator actions
 * `power-cut` (the next polls go unanswered) and `lose-answer` (the simulator runs the next money command, `lossy`,
 * but its answer is lost) are the same for every class.
 */
export abstract class CcnetServiceDevice<H extends CcnetHost, S extends CcnetSim> extends BaseDevice {
  protected readonly host: H;
  protected readonly sim: S | undefined;
  protected readonly payoutTimeoutMs: number;
  private readonly release: () => Promise<void>;
  /** `lose-answer`: the simulator acts on the next `lossy` command but its answer is lost. */
  private loseNextAnswer = false;
  /** The money command `lose-answer` applies to (none: the device has no such action). */
  private readonly lossy: string | undefined;

  protected constructor(options: Common & { host: H; sim?: S | undefined }, actions: SimActionName[], lossy?: string) {
    super(options, actions);
    this.host = options.host;
    this.sim = options.sim;
    this.release = options.release;
    this.payoutTimeoutMs = options.payoutTimeoutMs ?? 60_000;
    this.lossy = lossy;
    const sim = options.sim;
    if (lossy !== undefined) {
      sim?.on('command', (name) => {
        if (name === lossy && this.loseNextAnswer) {
          this.loseNextAnswer = false;
          sim.faults.dropReplies = 1;
        }
      });
    }
    this.forwardUncertain(this.host);
  }

  async stop(): Promise<void> {
    this.update({ state: 'stopped' });
    await stopHost(this.host, this.release);
  }

  protected async setEnabled(on: boolean): Promise<void> {
    await (on ? this.host.enable() : this.host.disable());
  }

  /** The simulator, or the refusal of `action` without one. */
  protected simFor(action: SimAction): S {
    if (!this.sim) throw this.unsupported(action);
    return this.sim;
  }

  /** Runs `power-cut` and `lose-answer`; false for any other action (the class's own). */
  protected actCommon(action: SimAction): boolean {
    const sim = this.simFor(action);
    if (action.action === 'power-cut') sim.faults.dropReplies = POWER_CUT_POLLS;
    else if (action.action === 'lose-answer' && this.lossy !== undefined) this.loseNextAnswer = true;
    else return false;
    return true;
  }
}

export function valueOf(table: readonly DenominationWord[], type: number): Money | undefined {
  return table.find((w) => w.type === type)?.value;
}

export function typeOf(table: readonly DenominationWord[], value: Money): number | undefined {
  return table.find((w) => w.value?.amount === value.amount && w.value.currency === value.currency)?.type;
}

/** The bill or coin type a simulated `insert` of `value` puts in: INVALID_ARGUMENT without a value or for a value the table lacks. */
export function insertedType(id: string, table: readonly DenominationWord[], value: Money | undefined): number {
  if (!value) throw new KioskbusError(ErrorCode.InvalidArgument, 'insert needs a value');
  const type = typeOf(table, value);
  if (type === undefined) throw noType(id, value, table);
  return type;
}

export function noType(id: string, value: Money, table: readonly DenominationWord[]): KioskbusError {
  const known = table.flatMap((w) => (w.value ? [String(w.value.amount)] : [])).join(', ');
  return new KioskbusError(
    ErrorCode.InvalidArgument,
    `${id} has no type for ${String(value.amount)} ${value.currency}; it takes ${known}`,
  );
}
