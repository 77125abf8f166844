/** What the service's CCNET device adapters share: stopping a host, bill and coin tables, the power-cut length. */
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { DenominationWord } from '../../ccnet/index.js';
import type { BaseOptions } from './base.js';

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
