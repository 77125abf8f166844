/**
 * Bill validator (03) and Bill-to-Bill unit (01) simulator. Bills are inserted by the test or CLI
 * (`insertBill`), go through ACCEPTING, ESCROW_POSITION (when escrow is enabled for the type) or straight
 * to STACKING, and are reported as BILL_STACKED / BILL_RETURNED. Every transient state is shown until the
 * controller ACKs one POLL reply carrying it, so a lost ACK repeats the event (as on a real device) and the
 * host must not count it twice. The B2B adds recycling cassettes that fill with routed bills and dispense.
 */
import { asciiBytes } from '../../core/bytes.js';
import type { TimerHandle } from '../../core/clock.js';
import {
  denominationsOf,
  encodeTypeMask,
  maskToTypes,
  typesToMask,
  type DenominationInput,
  type Identification,
} from '../codec.js';
import {
  B2B_COMMANDS,
  DOWNLOAD_OK,
  DOWNLOAD_READY,
  encodeCassetteByte,
  type B2bCommandName,
  type CommandDef,
  type DispenseItem,
  type Statistics,
  type ValidatorCommandName,
  VALIDATOR_COMMANDS,
} from '../commands.js';
import { BARCODE_BILL_TYPE, encodeBillState } from '../states.js';
import {
  ACK,
  illegal,
  PeripheralSimulator,
  type SimAnswer,
  type SimulatorEventMap,
  type SimulatorOptions,
} from './base.js';

export interface BillSimulatorEventMap extends SimulatorEventMap {
  /** A bill went into a cassette (drop or recycling): the simulator's own ledger. */
  stacked: [billType: number, where: 'drop' | number];
  returned: [billType: number];
  dispensed: [items: DispenseItem[]];
}

export interface SimCassette {
  /** Bill type 0..23, 'NULL' (unassigned) or 'ESCROW'. */
  type: number | 'NULL' | 'ESCROW';
  count: number;
  capacity: number;
  present: boolean;
}

export interface BillSimulatorOptions extends SimulatorOptions {
  /** 0x03 bill validator (default) or 0x01 Bill-to-Bill. */
  kind?: 'bill-validator' | 'b2b';
  /** Bill table (default: EUR 5, 10, 20, 50, 100, 200, 500 at types 0–6). */
  billTable?: DenominationInput[];
  identification?: Identification;
  /** POLLs in INITIALIZE after RESET (default 2). */
  initializePolls?: number;
  /** Escrow auto-return time (default 10 000 ms). */
  escrowTimeoutMs?: number;
  /** B2B DISPENSE layout: rev 2.3.1 mask + counts (default) or type/count pairs. */
  dispenseFormat?: 'mask' | 'pairs';
  /** B2B recycling cassettes (default: 3 cassettes for EUR 10, 20 and ESCROW, empty). */
  cassettes?: SimCassette[];
  /** Bills the drop cassette holds (default 1000). */
  dropCapacity?: number;
  /** POLLs a dispensed bundle waits at the bezel before the customer takes it (default 1). */
  bezelPolls?: number;
  /** Answer IDENTIFICATION with the long (109-byte) B2B layout. */
  extendedIdentification?: boolean;
  crc32?: number;
}

/** EUR 5, 10, 20, 50, 100, 200, 500 at types 0–6. */
export const DEFAULT_EUR_TABLE: DenominationInput[] = denominationsOf('EUR', [
  [5, 0],
  [10, 0],
  [20, 0],
  [50, 0],
  [1, 2],
  [2, 2],
  [5, 2],
]);

/** States in which IDENTIFICATION, GET BILL TABLE, DOWNLOAD, STATISTICS and CRC32 are valid. */
const SERVICE_STATES = new Set([0x10, 0x13, 0x19, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47]);

export class BillSimulator extends PeripheralSimulator<BillSimulatorEventMap> {
  readonly kind: 'bill-validator' | 'b2b';
  enabled = 0;
  escrowEnabled = 0;
  highSecurity = 0;
  barcode = { format: 1, length: 18 };
  billTable: DenominationInput[];
  identification: Identification;
  cassettes: SimCassette[];
  dropCount = 0;
  dropCapacity: number;
  /** Every bill that went into a cassette, in order (the simulator's ledger). */
  readonly stackedBills: number[] = [];
  readonly returnedBills: number[] = [];
  readonly dispensedBills: number[] = [];
  crc32: number;
  statistics: Statistics | undefined;

  private escrowType: number | undefined;
  /** A bill being validated on its way to escrow (escrow enabled for its type). */
  private headBill: number | undefined;
  /** What a power cut left inside, dealt with at the next RESET. */
  private powerUpBill: { type: number; where: 'head' | 'stacker' | 'transport' } | undefined;
  private escrowTimer: TimerHandle | undefined;
  private lastBarcode: string | undefined;
  private lastBillWasCoupon = false;
  private pendingBarcode: string | undefined;
  private downloadMode = false;
  private downloadStatus = DOWNLOAD_READY;
  private busyUntil = -Infinity;
  private readonly opts: BillSimulatorOptions;

  constructor(options: BillSimulatorOptions = {}) {
    const kind = options.kind ?? 'bill-validator';
    super(kind === 'b2b' ? 0x01 : 0x03, kind, options);
    this.current = encodeBillState('POWER_UP');
    this.kind = kind;
    this.opts = options;
    this.billTable = options.billTable ?? DEFAULT_EUR_TABLE;
    this.identification = options.identification ?? {
      partNumber: kind === 'b2b' ? 'B2B-300-EU' : 'SM-EU3245',
      serialNumber: kind === 'b2b' ? '21KB00012345' : '07KI41AS7482',
      assetNumber: '75ed8dc8033f7b',
      ...(options.extendedIdentification
        ? {
            extended: {
              validatorBoot: 'BB0101',
              validatorVersion: 'SM-EU3245-V1.21',
              cpuBoot: 'CB0102',
              cpuVersion: 'C01.05',
              dispenserBoot: 'DB0101',
              dispenserVersion: 'D01.03',
              cassette1Boot: 'KB0101',
              cassette2Boot: 'KB0101',
              cassette3Boot: 'KB0101',
              cassetteVersion: 'K01.02',
            },
          }
        : {}),
    };
    this.cassettes =
      options.cassettes?.map((c) => ({ ...c })) ??
      (kind === 'b2b'
        ? [
            { type: 1, count: 0, capacity: 100, present: true },
            { type: 2, count: 0, capacity: 100, present: true },
            { type: 'ESCROW', count: 0, capacity: 20, present: true },
          ]
        : []);
    this.dropCapacity = options.dropCapacity ?? 1000;
    this.crc32 = options.crc32 ?? 0x1a2b3c4d;
  }

  protected override get dispenseFormat(): 'mask' | 'pairs' {
    return this.opts.dispenseFormat ?? 'mask';
  }

  get stateCode(): number {
    return this.pollData()[0] ?? 0;
  }

  private get b2b(): boolean {
    return this.kind === 'b2b';
  }

  protected override pollData(): Uint8Array {
    if (this.clock.now() < this.busyUntil) {
      return Uint8Array.of(0x1b, Math.ceil((this.busyUntil - this.clock.now()) / 100));
    }
    return super.pollData();
  }

  /** Busy `1B YH` counts down by itself: a resend is judged by the state behind it. */
  protected override stateView(): Uint8Array {
    return super.pollData();
  }

  private idleState(): Uint8Array {
    return encodeBillState(this.enabled !== 0 ? 'IDLING' : 'UNIT_DISABLED');
  }

  private get steadyName(): number {
    return this.current[0] ?? 0;
  }

  private ready(): boolean {
    return this.steps.length === 0 && this.fault === undefined && !this.downloadMode;
  }

  // ---- scripting API ------------------------------------------------------------------------

  /** A customer inserts a bill of `billType`. Returns false when the device does not take bills now. */
  insertBill(billType: number, options: { reject?: number } = {}): boolean {
    if (!this.ready() || this.steadyName !== 0x14) return false;
    const enabled = (this.enabled & (1 << billType)) !== 0;
    this.steps.push({ bytes: encodeBillState('ACCEPTING') });
    if (!enabled || options.reject !== undefined) {
      this.steps.push({ bytes: encodeBillState('REJECTING', options.reject ?? 0x68) });
      return true;
    }
    if (this.escrowEnabled & (1 << billType)) {
      this.headBill = billType;
      this.steps.push({
        bytes: encodeBillState('ACCEPTING'),
        after: () => {
          this.enterEscrow(billType);
        },
      });
    } else {
      this.stackNow(billType);
    }
    return true;
  }

  /** A barcode coupon (bill type 23) with `code`. */
  insertCoupon(code: string): boolean {
    if (!this.ready() || this.steadyName !== 0x14) return false;
    this.pendingBarcode = code;
    this.steps.push({ bytes: encodeBillState('ACCEPTING') });
    this.steps.push({
      bytes: encodeBillState('ACCEPTING'),
      after: () => {
        this.lastBarcode = this.pendingBarcode;
        this.lastBillWasCoupon = true;
        this.enterEscrow(BARCODE_BILL_TYPE);
      },
    });
    return true;
  }

  private enterEscrow(billType: number): void {
    this.headBill = undefined;
    this.escrowType = billType;
    this.current = encodeBillState('ESCROW_POSITION', billType);
    this.armEscrowTimer();
  }

  private armEscrowTimer(): void {
    this.clock.clearTimeout(this.escrowTimer);
    this.escrowTimer = this.clock.setTimeout(() => {
      this.escrowTimer = undefined;
      this.returnFromEscrow();
    }, this.opts.escrowTimeoutMs ?? 10_000);
  }

  private leaveEscrow(): number | undefined {
    this.clock.clearTimeout(this.escrowTimer);
    this.escrowTimer = undefined;
    const t = this.escrowType;
    this.escrowType = undefined;
    this.current = this.idleState();
    return t;
  }

  private returnFromEscrow(): void {
    const t = this.leaveEscrow();
    if (t === undefined) return;
    this.returnedBills.push(t);
    this.emit('returned', t);
    this.steps.push({ bytes: encodeBillState('RETURNING') });
    this.steps.push({ bytes: encodeBillState('BILL_RETURNED', t) });
  }

  /** Puts the bill in a cassette now (ledger), then shows STACKING and BILL_STACKED. */
  private stackNow(billType: number): void {
    let where: 'drop' | number = 'drop';
    if (billType !== BARCODE_BILL_TYPE && this.b2b) {
      const i = this.cassettes.findIndex((c) => c.present && c.type === billType && c.count < c.capacity);
      if (i >= 0) {
        const c = this.cassettes[i];
        if (c) c.count += 1;
        where = i + 1;
      }
    }
    if (where === 'drop') this.dropCount += 1;
    this.stackedBills.push(billType);
    this.emit('stacked', billType, where);
    this.steps.push({ bytes: encodeBillState('STACKING') });
    this.steps.push({
      bytes: encodeBillState('BILL_STACKED', billType),
      after: () => {
        if (this.dropCount >= this.dropCapacity) this.fault = encodeBillState('DROP_CASSETTE_FULL');
      },
    });
  }

  /** The escrowed bill is taken back by the device after the escrow time (or call to force it now). */
  expireEscrow(): void {
    this.returnFromEscrow();
  }

  /** Raises a fault state (VALIDATOR_JAMMED, DROP_CASSETTE_OUT_OF_POSITION, FAILURE 0x50, JAMMED 0x73, ...). */
  setFault(name: string, sub?: number): void {
    this.fault = encodeBillState(name, sub);
  }

  clearFault(): void {
    this.fault = undefined;
  }

  removeDropCassette(): void {
    this.setFault('DROP_CASSETTE_OUT_OF_POSITION');
  }

  /** Answer `1B YH` to POLL for `ms`. */
  setBusy(ms: number): void {
    this.busyUntil = this.clock.now() + ms;
  }

  /** Appends a raw POLL state (e.g. `CHEATED`, `PAUSE`) shown once. */
  pushState(name: string, sub?: number): void {
    this.steps.push({ bytes: encodeBillState(name, sub) });
  }

  /**
   * A power cut (see `powerCycle`). Kept, as on a real unit: cassette contents and counts, the drop cassette,
   * the bill table, identification, statistics. Lost: enables, escrow, HOLD, busy, download mode and the events not
   * yet acknowledged. A bill inside is reported at power-up: in the head (being validated or in escrow) as 11H and
   * returned after RESET; a bill being stacked whose BILL_STACKED was never sent as 12H (B2B: 12H 00, in the
   * transport path, stacked to the drop cassette after RESET; BV: in the stacker, reported BILL_STACKED once
   * initialised); a B2B bundle being dispensed as 12H 01 (returned to the bezel after RESET). A BILL_STACKED that
   * was sent but not acknowledged is lost with the power (the manual's credit recovery covers only unsent ones).
   */
  protected override powerLost(): void {
    this.clock.clearTimeout(this.escrowTimer);
    this.escrowTimer = undefined;
    const unsentStack = this.steps.find((st) => st.bytes[0] === 0x81 && !st.sent);
    const inHead = this.escrowType ?? this.headBill;
    const dispensing = this.b2b && this.steps.some((st) => st.bytes[0] === 0x1d);
    this.steps.length = 0;
    this.escrowType = undefined;
    this.headBill = undefined;
    this.enabled = 0;
    this.escrowEnabled = 0;
    this.downloadMode = false;
    this.busyUntil = -Infinity;
    this.powerUpBill = undefined;
    if (unsentStack) {
      const type = unsentStack.bytes[1] ?? 0;
      this.powerUpBill = { type, where: this.b2b ? 'transport' : 'stacker' };
      this.current = encodeBillState('POWER_UP_WITH_BILL_IN_STACKER', this.b2b ? 0 : undefined);
    } else if (inHead !== undefined) {
      this.powerUpBill = { type: inHead, where: 'head' };
      this.current = encodeBillState('POWER_UP_WITH_BILL_IN_VALIDATOR');
    } else if (dispensing) {
      this.current = encodeBillState('POWER_UP_WITH_BILL_IN_STACKER', 1);
    } else {
      this.current = encodeBillState('POWER_UP');
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  protected handle(
    key: ValidatorCommandName | B2bCommandName,
    def: CommandDef<never, unknown>,
    data: Uint8Array,
  ): SimAnswer {
    const state = this.pollData()[0] ?? 0;
    if (this.downloadMode && def.code !== 0x50) return illegal('download mode: only DOWNLOAD sub-commands');
    switch (key) {
      case 'RESET': {
        this.clock.clearTimeout(this.escrowTimer);
        if (this.escrowType !== undefined) this.returnedBills.push(this.escrowType);
        this.escrowType = undefined;
        this.headBill = undefined;
        // the manual's credit recovery flag lasts until the STACKED answer is sent, so a RESET while the bill is
        // being stacked (STACKED queued, never sent: the controller did not poll, or polled on a dead line) keeps
        // it, like a power cut: a BV reports STACKED once initialised; a B2B drops it (the bill is in its cassette)
        const unsentStack = this.steps.find((st) => st.bytes[0] === 0x81 && !st.sent);
        const left =
          this.powerUpBill ??
          (unsentStack && !this.b2b ? { type: unsentStack.bytes[1] ?? 0, where: 'stacker' as const } : undefined);
        this.steps.length = 0;
        this.powerUpBill = undefined;
        // after RESET a bill left in the head is returned; one in the B2B transport goes to the drop cassette
        // (it is in the ledger already); a BV bill in the stacker is reported STACKED once initialised (below)
        if (left?.where === 'head') this.returnedBills.push(left.type);
        this.enabled = 0;
        this.escrowEnabled = 0;
        this.downloadMode = false;
        this.current = encodeBillState('INITIALIZE');
        for (let i = 1; i < (this.opts.initializePolls ?? 2); i++)
          this.steps.push({ bytes: encodeBillState('INITIALIZE') });
        this.steps.push({
          bytes: encodeBillState('INITIALIZE'),
          after: () => {
            this.current = this.idleState();
          },
        });
        // the manual's credit recovery: a bill stacked during the power cut, never reported, is reported now
        if (left?.where === 'stacker') this.steps.push({ bytes: encodeBillState('BILL_STACKED', left.type) });
        return ACK;
      }
      case 'GET_STATUS':
        return {
          data: VALIDATOR_COMMANDS.GET_STATUS.encodeReply({
            enabled: maskToTypes(this.enabled),
            highSecurity: maskToTypes(this.highSecurity),
            ...(this.b2b ? { routing: this.routingTypes() } : {}),
          }),
        };
      case 'SET_SECURITY':
        this.highSecurity = typesToMask(VALIDATOR_COMMANDS.SET_SECURITY.decodeArgs(data));
        return ACK;
      case 'POLL':
        return { data: this.pollData() };
      case 'ENABLE_BILL_TYPES': {
        const a = VALIDATOR_COMMANDS.ENABLE_BILL_TYPES.decodeArgs(data);
        this.enabled = typesToMask(a.enabled);
        this.escrowEnabled = typesToMask(a.escrow);
        if (this.current[0] === 0x14 || this.current[0] === 0x19) this.current = this.idleState();
        return ACK;
      }
      case 'STACK': {
        if (this.escrowType === undefined || this.steps.length > 0) return illegal('no bill in escrow');
        const t = this.leaveEscrow();
        if (t !== undefined) this.stackNow(t);
        return ACK;
      }
      case 'RETURN':
        if (this.escrowType === undefined || this.steps.length > 0) return illegal('no bill in escrow');
        this.returnFromEscrow();
        return ACK;
      case 'HOLD':
        if (this.escrowType === undefined || this.steps.length > 0) return illegal('no bill in escrow');
        this.current = encodeBillState('HOLDING');
        this.armEscrowTimer();
        return ACK;
      case 'IDENTIFICATION':
        if (!SERVICE_STATES.has(state)) return illegal(`not in state ${state.toString(16)}`);
        return { data: VALIDATOR_COMMANDS.IDENTIFICATION.encodeReply(this.identification) };
      case 'SET_BARCODE_PARAMETERS':
        if (this.b2b) return illegal('no barcode reader');
        this.barcode = VALIDATOR_COMMANDS.SET_BARCODE_PARAMETERS.decodeArgs(data);
        return ACK;
      case 'EXTRACT_BARCODE_DATA':
        if (this.b2b || !this.lastBillWasCoupon || this.lastBarcode === undefined) return illegal('no barcode read');
        return { data: asciiBytes(this.lastBarcode.slice(0, this.barcode.length)) };
      case 'GET_BILL_TABLE':
        if (!SERVICE_STATES.has(state)) return illegal(`not in state ${state.toString(16)}`);
        return {
          data: VALIDATOR_COMMANDS.GET_BILL_TABLE.encodeReply(
            this.billTable.map((w) => ({ ...w, text: '', currency: '', value: undefined })),
          ),
        };
      case 'GET_CRC32':
        if (this.b2b || !SERVICE_STATES.has(state)) return illegal('not available');
        return { data: VALIDATOR_COMMANDS.GET_CRC32.encodeReply(this.crc32) };
      case 'REQUEST_STATISTICS':
        if (this.b2b || !SERVICE_STATES.has(state)) return illegal('not available');
        if (!this.statistics) return { data: Uint8Array.of(0x31) }; // INVALID STATISTIC DATA
        return { data: VALIDATOR_COMMANDS.REQUEST_STATISTICS.encodeReply(this.statistics) };
      case 'DOWNLOAD':
        if (this.b2b || !SERVICE_STATES.has(state)) return illegal('download not available');
        this.downloadMode = true;
        this.downloadStatus = DOWNLOAD_READY;
        return ACK;
      case 'DOWNLOAD_STATUS':
        if (!this.downloadMode) return illegal('not in download mode');
        return { data: Uint8Array.of(this.downloadStatus) };
      case 'DOWNLOAD_BLOCK_SIZE':
        if (!this.downloadMode) return illegal('not in download mode');
        return { data: Uint8Array.of(7) };
      case 'DOWNLOAD_WRITE':
        if (!this.downloadMode) return illegal('not in download mode');
        this.downloadStatus = DOWNLOAD_OK;
        return { data: Uint8Array.of(DOWNLOAD_OK) };
      case 'DOWNLOAD_EXIT':
        if (!this.downloadMode) return illegal('not in download mode');
        this.downloadMode = false;
        this.current = encodeBillState('POWER_UP');
        return { data: Uint8Array.of(DOWNLOAD_OK) };
      default:
        return this.b2b ? this.handleB2b(key, data) : illegal(`${key} is a Bill-to-Bill command`);
    }
  }

  private routingTypes(): number[] {
    const out = new Set<number>();
    for (const c of this.cassettes) if (c.present && typeof c.type === 'number') out.add(c.type);
    return [...out].sort((a, b) => a - b);
  }

  private cassetteStatusBytes(): Uint8Array {
    const out = new Uint8Array(Math.max(3, this.cassettes.length) * 2);
    this.cassettes.forEach((c, i) => {
      out[i * 2] = encodeCassetteByte(c.present, c.type);
      out[i * 2 + 1] = c.count;
    });
    return out;
  }

  private handleB2b(key: B2bCommandName, data: Uint8Array): SimAnswer {
    const disabled = this.ready() && this.current[0] === 0x19;
    switch (key) {
      case 'CASSETTE_STATUS':
        return { data: this.cassetteStatusBytes() };
      case 'DISPENSE':
      case 'DISPENSE_PAIRS': {
        if (!disabled) return illegal('DISPENSE only in UNIT_DISABLED');
        const items = (key === 'DISPENSE' ? B2B_COMMANDS.DISPENSE : B2B_COMMANDS.DISPENSE_PAIRS).decodeArgs(data);
        const total = items.reduce((n, i) => n + i.count, 0);
        if (total === 0 || total > 20) return illegal('0 or more than 20 bills');
        // check availability first: all or nothing
        const take = new Map<number, number>();
        for (const item of items) {
          let need = item.count;
          this.cassettes.forEach((c, i) => {
            if (need > 0 && c.present && c.type === item.billType) {
              const n = Math.min(need, c.count - (take.get(i) ?? 0));
              take.set(i, (take.get(i) ?? 0) + n);
              need -= n;
            }
          });
          if (need > 0) return illegal(`not enough bills of type ${item.billType}`);
        }
        for (const [i, n] of take) {
          const c = this.cassettes[i];
          if (c) c.count -= n;
        }
        for (const item of items) for (let k = 0; k < item.count; k++) this.dispensedBills.push(item.billType);
        this.emit('dispensed', items);
        for (let k = 0; k < total; k++) this.steps.push({ bytes: encodeBillState('DISPENSING', 0) });
        for (let k = 0; k < (this.opts.bezelPolls ?? 1); k++)
          this.steps.push({ bytes: encodeBillState('DISPENSING', 1) });
        this.steps.push({ bytes: encodeBillState('DISPENSED') });
        return ACK;
      }
      case 'UNLOAD': {
        if (!disabled) return illegal('UNLOAD only in UNIT_DISABLED');
        const a = B2B_COMMANDS.UNLOAD.decodeArgs(data);
        const c = this.cassettes[a.cassette - 1];
        if (!c?.present) return illegal(`no cassette ${a.cassette}`);
        const n = Math.min(a.count, c.count);
        c.count -= n;
        this.dropCount += n;
        for (let k = 0; k < Math.max(1, n); k++) this.steps.push({ bytes: encodeBillState('UNLOADING') });
        this.steps.push({ bytes: encodeBillState('UNLOADED') });
        return ACK;
      }
      case 'RECYCLING_CASSETTE_STATUS': {
        const c = this.cassettes.find((x) => x.type === 'ESCROW');
        if (!c?.present) return { data: Uint8Array.of(0x80) };
        return { data: Uint8Array.of((c.count >= c.capacity ? 0x80 : 0) | (c.count & 0x7f)) };
      }
      case 'RECYCLING_CASSETTE_UNLOAD': {
        if (!disabled) return illegal('only in UNIT_DISABLED');
        const a = B2B_COMMANDS.RECYCLING_CASSETTE_UNLOAD.decodeArgs(data);
        const c = this.cassettes.find((x) => x.type === 'ESCROW');
        if (!c?.present || c.count === 0) return illegal('escrow cassette empty');
        if (a.toCustomer) {
          const n = Math.min(a.count, c.count, 20);
          c.count -= n;
          for (let k = 0; k < n; k++) this.steps.push({ bytes: encodeBillState('CUSTOM_RETURNING') });
          this.steps.push({ bytes: encodeBillState('CUSTOM_BILLS_RETURNED') });
        } else {
          c.count -= 1;
          this.dropCount += 1;
          this.steps.push({ bytes: encodeBillState('RECYCLING_UNLOADING') });
          this.steps.push({ bytes: encodeBillState('RECYCLING_CASSETTE_UNLOADED') });
        }
        return ACK;
      }
      case 'SET_CASSETTE_TYPE': {
        if (!disabled) return illegal('SET CASSETTE TYPE only in UNIT_DISABLED');
        const a = B2B_COMMANDS.SET_CASSETTE_TYPE.decodeArgs(data);
        const c = this.cassettes[a.cassette - 1];
        if (!c?.present) return illegal(`no cassette ${a.cassette}`);
        this.dropCount += c.count;
        for (let k = 0; k < Math.max(1, Math.ceil(c.count / 10)); k++) {
          this.steps.push({ bytes: encodeBillState('SETTING_CASSETTE_TYPE') });
        }
        c.count = 0;
        c.type = a.type;
        this.steps.push({ bytes: encodeBillState('CASSETTE_TYPE_SET') });
        return ACK;
      }
      default:
        return illegal(`unknown command ${key}`);
    }
  }
}

export { encodeTypeMask };
