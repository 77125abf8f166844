/**
 * Host side of the bill validator (03) and the Bill-to-Bill unit (01): every command of the spec as a
 * method, a POLL loop that turns state changes into typed events (a credit is reported exactly once, even
 * when the device repeats an unacknowledged reply), escrow with `hold()` kept alive, barcode coupons.
 */
import type { TimerHandle } from '../../core/clock.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type { CcnetBus } from '../bus.js';
import type { DenominationWord, Identification } from '../codec.js';
import {
  B2B_COMMANDS,
  classHasCommand,
  VALIDATOR_COMMANDS,
  type BarcodeParameters,
  type BillStatusReply,
  type CassetteStatus,
  type CommandDef,
  type DispenseItem,
  type DownloadWriteArgs,
  type RecyclingCassetteStatus,
  type SetCassetteTypeArgs,
  type Statistics,
  type UnloadArgs,
} from '../commands.js';
import { BARCODE_BILL_TYPE, decodeBillState, type BillState } from '../states.js';
import { BillMotion, type BillInDoubt } from './bill-doubt.js';
import { CcnetDevice, type CcnetDeviceEvents, type CcnetDeviceOptions } from './device-base.js';
import { runMoneyCommand } from './money.js';

export interface BillCredit {
  billType: number;
  /** Value from the bill table (undefined when the table has no usable entry for the type). */
  value: Money | undefined;
  denomination: DenominationWord | undefined;
  raw: Uint8Array;
}

export interface EscrowInfo extends BillCredit {
  /** Barcode of a coupon (bill type 23), when it could be read. */
  barcode?: string;
}

export interface BillDeviceEventMap extends CcnetDeviceEvents<BillState> {
  /** A bill was stacked: money in. Exactly once per bill. */
  credit: [credit: BillCredit];
  /** A bill waits in escrow: call `stack()`, `returnBill()` or `hold()`. */
  escrow: [escrow: EscrowInfo];
  returned: [bill: BillCredit];
  rejected: [state: BillState];
  /** A barcode coupon was stacked (type 23): not money. */
  coupon: [coupon: { barcode: string | undefined; raw: Uint8Array }];
  /** Drop cassette full/removed, jams, cheated, failures (41H–48H). */
  fault: [state: BillState];
  busy: [ms: number];
  /** B2B: dispensing progress (`atBezel` once the bundle waits for the customer). */
  dispensing: [progress: { atBezel: boolean; raw: Uint8Array }];
  /** B2B: a B2B operation finished (DISPENSED, UNLOADED, CASSETTE_TYPE_SET, CUSTOM_BILLS_RETURNED, RECYCLING_CASSETTE_UNLOADED). */
  completed: [state: BillState];
  /**
   * POWER UP WITH BILL IN VALIDATOR / STACKER (11H, 12H): a bill was inside when the power went. Not a credit: a bill
   * in the validator head is returned after RESET; a bill in the stacker is reported as BILL_STACKED after
   * initialisation when the device never reported it (the manual's credit recovery), and that is the credit.
   */
  billAtPowerUp: [info: { state: BillState; where: 'validator' | 'stacker' | 'transport' | 'dispenser' }];
  /**
   * A bill was moving (ACCEPTING, STACKING, STACK sent) when the device was reset or powered up, and its end
   * (STACKED, RETURNED, REJECTING) was never seen: it may have been stacked or not; the wire cannot tell.
   */
  billInDoubt: [info: BillInDoubt];
}

export interface BillDeviceOptions extends CcnetDeviceOptions {
  address?: number;
  /** HOLD is re-sent this often while a bill is held (device returns it after 10 s). Default 5000 ms. */
  holdRefreshMs?: number;
}

const FAULT_CODES = new Set([0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]);
const B2B_COMPLETIONS = new Set([0x25, 0x26, 0x27, 0x28, 0x29]);
/** States the device reports once per event and holds until ACKed (a second one is a second event). */
const EVENT_CODES = new Set([0x81, 0x82, ...B2B_COMPLETIONS]);
const POWER_UP_CODES = new Set([0x10, 0x11, 0x12]);
/** Codes while the device is not ready for commands after power-up or RESET. */
const START_CODES = new Set([0x10, 0x11, 0x12, 0x13, 0x1b]);
const DISPENSE_STATES = new Set(['DISPENSING', 'DISPENSED']);
/** A B2B with no operation running. */
const B2B_IDLE = new Set(['UNIT_DISABLED', 'IDLING']);
const UNLOAD_STATES = new Set(['UNLOADING', 'UNLOADED']);
const RECYCLING_UNLOAD_STATES = new Set([
  'CUSTOM_RETURNING',
  'CUSTOM_BILLS_RETURNED',
  'RECYCLING_UNLOADING',
  'RECYCLING_CASSETTE_UNLOADED',
]);

export class BillDevice extends CcnetDevice<BillState, BillDeviceEventMap> {
  identification: Identification | undefined;
  billTable: DenominationWord[] = [];
  private enableArgs: { enabled: number[]; escrow: number[] } | undefined;
  private holdTimer: TimerHandle | undefined;
  private escrowBarcode: string | undefined;
  private readonly holdRefreshMs: number;
  private readonly motion = new BillMotion();

  constructor(
    bus: CcnetBus,
    readonly b2b: boolean,
    options: BillDeviceOptions = {},
  ) {
    super(
      bus,
      {
        address: options.address ?? (b2b ? 0x01 : 0x03),
        what: `device ${String(options.address ?? (b2b ? 0x01 : 0x03))}`,
        resetDef: VALIDATOR_COMMANDS.RESET,
        pollDef: VALIDATOR_COMMANDS.POLL,
        decodeState: (data) => decodeBillState(data, b2b),
        isEvent: (s) => EVENT_CODES.has(s.code),
        idle: B2B_IDLE,
        isPowerUp: (s) => POWER_UP_CODES.has(s.code),
      },
      options,
    );
    this.holdRefreshMs = Math.min(options.holdRefreshMs ?? 5000, 9000);
  }

  protected async setUp(): Promise<void> {
    await this.waitReady();
    if (this.billTable.length === 0) await this.getBillTable();
    await this.resume();
  }

  /** Re-enables the bill types that were enabled (after an outage or a set-up). */
  protected async resume(): Promise<void> {
    if (this.enableArgs) await this.enableBillTypes(this.enableArgs.enabled, this.enableArgs.escrow);
  }

  protected override wentOffline(): void {
    this.stopHolding();
  }

  /** Runs one table command against this device; ILLEGAL COMMAND errors name the current state. */
  override async call<A, R>(def: CommandDef<A, R>, args: A, signal?: AbortSignal): Promise<R> {
    const cls = this.b2b ? 'b2b' : 'bill-validator';
    if (!classHasCommand(cls, def as unknown as CommandDef<never, unknown>)) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `${def.name} (${hex2(def.code)}) is not a ${cls} command`);
    }
    return await super.call(def, args, signal);
  }

  // ---- raw commands -----------------------------------------------------------------------

  /** RESET (30H / 08H): the device starts again; its queued events are gone. */
  override reset(): Promise<void> {
    this.motion.reset(); // a bill moving now may end unseen
    return super.reset();
  }

  getStatus(): Promise<BillStatusReply> {
    return this.call(VALIDATOR_COMMANDS.GET_STATUS, undefined);
  }

  setSecurity(highSecurityTypes: number[]): Promise<void> {
    return this.call(VALIDATOR_COMMANDS.SET_SECURITY, highSecurityTypes);
  }

  /** Enables bill types (empty: disable); `escrow` types stop in escrow until stack/return. */
  async enableBillTypes(enabled: number[], escrow: number[] = []): Promise<void> {
    await this.call(VALIDATOR_COMMANDS.ENABLE_BILL_TYPES, { enabled, escrow });
    this.enableArgs = { enabled: [...enabled], escrow: [...escrow] };
  }

  /** Enables every type of the bill table (or `types`), escrow for `escrow` (true: all enabled types). */
  async enable(options: { types?: number[]; escrow?: boolean | number[] } = {}): Promise<void> {
    await this.runtime.whenReady();
    const types = options.types ?? this.billTable.map((w) => w.type);
    const escrow =
      options.escrow === true ? types : options.escrow === false || options.escrow === undefined ? [] : options.escrow;
    return this.enableBillTypes(types, escrow);
  }

  async disable(): Promise<void> {
    await this.runtime.whenReady();
    return this.enableBillTypes([], []);
  }

  async stack(): Promise<void> {
    this.stopHolding();
    await this.runtime.whenReady();
    this.motion.stacking(this.state);
    await this.call(VALIDATOR_COMMANDS.STACK, undefined);
  }

  async returnBill(): Promise<void> {
    this.stopHolding();
    await this.runtime.whenReady();
    await this.call(VALIDATOR_COMMANDS.RETURN, undefined);
  }

  /**
   * Holds the bill in escrow: sends HOLD now and again every `holdRefreshMs` (before the device's 10 s
   * limit) until `stack()`, `returnBill()` or the bill leaves escrow.
   */
  async hold(): Promise<void> {
    await this.call(VALIDATOR_COMMANDS.HOLD, undefined);
    this.clock.clearTimeout(this.holdTimer);
    const refresh = (): void => {
      this.holdTimer = this.clock.setTimeout(() => {
        this.call(VALIDATOR_COMMANDS.HOLD, undefined).then(refresh, (error: unknown) => {
          this.holdTimer = undefined;
          if (isKioskbusError(error)) this.emit('problem', error);
        });
      }, this.holdRefreshMs);
    };
    refresh();
  }

  /** True while `hold()` keeps re-sending HOLD. */
  get holding(): boolean {
    return this.holdTimer !== undefined;
  }

  private stopHolding(): void {
    this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
  }

  async identify(): Promise<Identification> {
    this.identification = await this.call(VALIDATOR_COMMANDS.IDENTIFICATION, undefined);
    return this.identification;
  }

  setBarcodeParameters(params: BarcodeParameters): Promise<void> {
    return this.call(VALIDATOR_COMMANDS.SET_BARCODE_PARAMETERS, params);
  }

  extractBarcodeData(): Promise<string> {
    return this.call(VALIDATOR_COMMANDS.EXTRACT_BARCODE_DATA, undefined);
  }

  async getBillTable(): Promise<DenominationWord[]> {
    this.billTable = await this.call(VALIDATOR_COMMANDS.GET_BILL_TABLE, undefined);
    return this.billTable;
  }

  getCrc32(): Promise<number> {
    return this.call(VALIDATOR_COMMANDS.GET_CRC32, undefined);
  }

  requestStatistics(): Promise<Statistics> {
    return this.call(VALIDATOR_COMMANDS.REQUEST_STATISTICS, undefined);
  }

  /** DOWNLOAD (50H): enter the boot loader. */
  download(): Promise<void> {
    return this.call(VALIDATOR_COMMANDS.DOWNLOAD, undefined);
  }

  downloadStatus(): Promise<number> {
    return this.call(VALIDATOR_COMMANDS.DOWNLOAD_STATUS, undefined);
  }

  downloadBlockSize(): Promise<number> {
    return this.call(VALIDATOR_COMMANDS.DOWNLOAD_BLOCK_SIZE, undefined);
  }

  downloadWrite(args: DownloadWriteArgs): Promise<number> {
    return this.call(VALIDATOR_COMMANDS.DOWNLOAD_WRITE, args);
  }

  downloadExit(): Promise<number> {
    return this.call(VALIDATOR_COMMANDS.DOWNLOAD_EXIT, undefined);
  }

  // ---- session ----------------------------------------------------------------------------

  /** RESET, wait until initialised, read identification and bill table. Does not enable. */
  async initialize(): Promise<{ identification: Identification; billTable: DenominationWord[] }> {
    await this.reset();
    await this.waitReady();
    const identification = await this.identify();
    const billTable = await this.getBillTable();
    this.initialised = true;
    return { identification, billTable };
  }

  /** POLLs until the device left its start-up states (every 100 ms while it initialises); never enables before. */
  private async waitReady(): Promise<void> {
    await this.pollUntilStarted(
      (s) => !START_CODES.has(s.code),
      (s) => `device ${this.address} still ${s.name} after ${this.initializeTimeoutMs} ms`,
      (s) => s.busyMs ?? this.runtime.initPollIntervalMs,
    );
  }

  /** Stops polling and waits for the round in flight. */
  override async halt(): Promise<void> {
    this.stopHolding();
    await super.halt();
  }

  private describe(billType: number, raw: Uint8Array): BillCredit {
    const denomination = this.billTable.find((w) => w.type === billType);
    return { billType, value: denomination?.value, denomination, raw };
  }

  protected async onState(state: BillState): Promise<void> {
    // a repeated answer (the device did not see our ACK) never gets here: see RepeatFilter
    const doubt = this.motion.observe(state);
    if (doubt) this.emit('billInDoubt', doubt);
    if (state.code !== 0x80 && state.code !== 0x1a) this.stopHolding();
    if (POWER_UP_CODES.has(state.code)) {
      if (state.code !== 0x10) this.emit('billAtPowerUp', { state, where: powerUpLocation(state, this.b2b) });
      this.runtime.powerUpSeen();
      return;
    }
    switch (state.code) {
      case 0x80: {
        const t = state.billType ?? -1;
        const info: EscrowInfo = this.describe(t, state.raw);
        if (t === BARCODE_BILL_TYPE && !this.b2b) {
          try {
            info.barcode = await this.extractBarcodeData();
            this.escrowBarcode = info.barcode;
          } catch (error) {
            if (isKioskbusError(error)) this.emit('problem', error);
          }
        }
        this.emit('escrow', info);
        break;
      }
      case 0x81: {
        const t = state.billType ?? -1;
        if (t === BARCODE_BILL_TYPE) {
          let barcode = this.escrowBarcode;
          if (barcode === undefined && !this.b2b) {
            try {
              barcode = await this.extractBarcodeData();
            } catch (error) {
              if (isKioskbusError(error)) this.emit('problem', error);
            }
          }
          this.escrowBarcode = undefined;
          this.emit('coupon', { barcode, raw: state.raw });
        } else this.emit('credit', this.describe(t, state.raw));
        break;
      }
      case 0x82:
        this.escrowBarcode = undefined;
        this.emit('returned', this.describe(state.billType ?? -1, state.raw));
        break;
      case 0x1c:
        this.emit('rejected', state);
        break;
      case 0x1b:
        this.emit('busy', state.busyMs ?? 0);
        break;
      case 0x1d:
        this.emit('dispensing', { atBezel: state.sub === 1, raw: state.raw });
        break;
      default:
        if (FAULT_CODES.has(state.code)) this.emit('fault', state);
        else if (this.b2b && B2B_COMPLETIONS.has(state.code)) this.emit('completed', state);
    }
  }
}

export class BillValidator extends BillDevice {
  constructor(bus: CcnetBus, options: BillDeviceOptions = {}) {
    super(bus, false, options);
  }
}

export interface BillToBillOptions extends BillDeviceOptions {
  /** DISPENSE layout the unit's firmware understands: rev 2.3.1 `mask` (default) or newer `pairs`. */
  dispenseFormat?: 'mask' | 'pairs';
}

export class BillToBill extends BillDevice {
  readonly dispenseFormat: 'mask' | 'pairs';

  constructor(bus: CcnetBus, options: BillToBillOptions = {}) {
    super(bus, true, options);
    this.dispenseFormat = options.dispenseFormat ?? 'mask';
  }

  cassetteStatus(): Promise<CassetteStatus[]> {
    return this.call(B2B_COMMANDS.CASSETTE_STATUS, undefined);
  }

  /**
   * DISPENSE (unit must be disabled); the layout follows the device profile. Progress: `dispensing`, `completed`.
   * Sent once: when its answer is in doubt the device is asked (POLL, CASSETTE STATUS), `uncertain` is emitted and
   * the call rejects with UNCERTAIN saying what is known.
   */
  async dispense(items: DispenseItem[]): Promise<void> {
    const def = this.dispenseFormat === 'pairs' ? B2B_COMMANDS.DISPENSE_PAIRS : B2B_COMMANDS.DISPENSE;
    await this.moneyCommand(def.name, () => this.call(def, items), DISPENSE_STATES);
  }

  /** Dispense and wait for DISPENSED (the POLL loop must be running). */
  async dispenseAndWait(items: DispenseItem[], timeoutMs = 60_000): Promise<BillState> {
    // the DISPENSED of this dispense, never one still shown from the previous one
    const done = this.waitForNextState(['DISPENSED'], timeoutMs);
    done.catch(() => undefined); // when the dispense itself fails, its error is the one reported
    await this.dispense(items);
    return done;
  }

  private async moneyCommand(command: string, send: () => Promise<void>, executed: ReadonlySet<string>) {
    await this.runtime.whenReady();
    await runMoneyCommand({
      command,
      address: this.address,
      send,
      watchStates: (listener) => {
        const onState = (s: BillState): void => {
          listener(s.name);
        };
        this.on('state', onState);
        return () => this.off('state', onState);
      },
      poll: () => this.poll(),
      executedStates: executed,
      facts: async () => ({ cassettes: await this.cassetteStatus() }),
      report: (outcome) => this.emit('uncertain', outcome),
      guard: this.money,
    });
  }

  /**
   * Bills that make up `amount` from the recycling cassettes (largest first), using the bill table and
   * a fresh CASSETTE STATUS. Throws CANNOT_PAY_EXACT when the cassettes cannot pay it exactly.
   */
  async planPayout(amount: Money): Promise<DispenseItem[]> {
    const cassettes = await this.cassetteStatus();
    const stock = new Map<number, number>();
    for (const c of cassettes) {
      if (c.present && typeof c.type === 'number') stock.set(c.type, (stock.get(c.type) ?? 0) + c.count);
    }
    const kinds = this.billTable
      .filter((w) => w.value?.currency === amount.currency && stock.has(w.type))
      .sort((a, b) => (b.value?.amount ?? 0) - (a.value?.amount ?? 0));
    let left = amount.amount;
    const items: DispenseItem[] = [];
    for (const w of kinds) {
      const v = w.value?.amount ?? 0;
      const n = Math.min(Math.floor(left / v), stock.get(w.type) ?? 0);
      if (n > 0) {
        items.push({ billType: w.type, count: n });
        left -= n * v;
      }
    }
    if (left !== 0) {
      throw new KioskbusError(
        ErrorCode.CannotPayExact,
        `cannot pay ${amount.amount} ${amount.currency} exactly from the recycling cassettes`,
        {
          address: this.address,
        },
      );
    }
    return items;
  }

  /** UNLOAD to the drop cassette; sent once, a doubtful answer is settled like `dispense()`'s. */
  unload(args: UnloadArgs): Promise<void> {
    return this.moneyCommand('UNLOAD', () => this.call(B2B_COMMANDS.UNLOAD, args), UNLOAD_STATES);
  }

  recyclingCassetteStatus(): Promise<RecyclingCassetteStatus> {
    return this.call(B2B_COMMANDS.RECYCLING_CASSETTE_STATUS, undefined);
  }

  /** RECYCLING CASSETTE UNLOAD: return `count` bills to the customer, or move one bill to its cassette. */
  recyclingCassetteUnload(toCustomer: boolean, count = 0): Promise<void> {
    return this.moneyCommand(
      'RECYCLING_CASSETTE_UNLOAD',
      () => this.call(B2B_COMMANDS.RECYCLING_CASSETTE_UNLOAD, { toCustomer, count }),
      RECYCLING_UNLOAD_STATES,
    );
  }

  setCassetteType(args: SetCassetteTypeArgs): Promise<void> {
    return this.call(B2B_COMMANDS.SET_CASSETTE_TYPE, args);
  }
}

/** Where a POWER UP WITH BILL state says the bill is. */
function powerUpLocation(state: BillState, b2b: boolean): 'validator' | 'stacker' | 'transport' | 'dispenser' {
  if (state.code === 0x11) return 'validator';
  if (!b2b) return 'stacker';
  return state.sub === 1 ? 'dispenser' : 'transport';
}

function hex2(code: number): string {
  return `${code.toString(16).toUpperCase().padStart(2, '0')}H`;
}
