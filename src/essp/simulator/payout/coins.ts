/**
 * SMART Hopper (unit type 0x03, address 0x10) and SMART System (0x09): a coin store with levels per denomination,
 * an attached coin mechanism (COIN_CREDIT per accepted coin; per-coin and global inhibits; ccTalk error option),
 * the hopper options register (REG0 bits 0..7), SET_DENOMINATION_LEVEL, and the payout/float/empty family of the
 * engine. Coins routed to the cashbox (or over their cashbox limit) are reported with CASHBOX_PAID.
 *
 * The SMART System adds a coin feeder: `feedCoins` reports PAY_IN_ACTIVE while it runs, a COIN_CREDIT per coin and,
 * with the VALUE_ADDED option bit, VALUE_ADDED with the total at the end.
 */
import { ErrorCode, KioskbusError } from '../../../core/errors.js';
import { COMMANDS, PAYOUT_ERROR_BYTES, ROUTE_CODES, type HopperOptions } from '../../commands.js';
import type { Handlers, SimCore } from '../behaviour.js';
import { cannotProcess, outOfRange } from '../replies.js';
import type { SimEvent } from '../event-queue.js';
import { DEFAULT_PAYOUT_TIMING, PayoutEngine, tableEvent, type Denomination } from './engine.js';
import type { PayoutSimOptions } from './types.js';

/** REG0 after a reset (M649 p.109): level check, high motor speed, high-efficiency split. */
const DEFAULT_REG0 = 0b0010_0110;

export type CoinResult = { taken: true; to: 'store' | 'cashbox' } | { taken: false; reason: string };

export class CoinHopper extends PayoutEngine {
  readonly name: string;
  /** The option registers of SET_HOPPER_OPTIONS (REG0 bits by name, REG1), as the table decodes them. */
  options: Required<HopperOptions> = COMMANDS.GET_HOPPER_OPTIONS.decodeReply(Uint8Array.of(DEFAULT_REG0, 0), {
    protocolVersion: 6,
  });
  coinMechEnabled = true;
  coinMechErrors = false;
  /** Inhibited coin keys ("EUR:200"). */
  readonly inhibitedCoins = new Set<string>();
  private feeding = 0;

  constructor(core: SimCore, options: PayoutSimOptions, name = 'smart-hopper') {
    const denominations: Denomination[] = core.profile.channels.map((c) => ({ ...c }));
    super(
      core,
      {
        kind: 'coins',
        containers: 1,
        capacity: options.capacity ?? 1000,
        lifo: false,
        routes: [ROUTE_CODES.payout, ROUTE_CODES.cashbox],
        defaultRoute: () => ROUTE_CODES.payout,
        timing: { ...DEFAULT_PAYOUT_TIMING, itemMs: 150, cashboxMs: 100, ...options.timing },
        subDeviceSerials: {},
        needsPayoutEnable: false,
      },
      denominations,
      options,
    );
    this.name = name;
  }

  /** A coin goes into the attached coin mechanism. */
  insertCoin(value: number, currency: string = this.currency): CoinResult {
    const d = this.denomination(value, currency);
    if (!d) return { taken: false, reason: `unknown coin ${String(value)} ${currency}` };
    if (!this.core.powered) return { taken: false, reason: 'no power' };
    if (!this.core.enabled) return { taken: false, reason: 'disabled' };
    if (!this.coinMechEnabled) return { taken: false, reason: 'coin mech globally inhibited' };
    if (this.inhibitedCoins.has(`${currency}:${String(value)}`)) return { taken: false, reason: 'coin inhibited' };
    this.push(tableEvent({ name: 'COIN_CREDIT', value: { value, currency } }));
    const container = this.destinationOf(d);
    if (container !== undefined) {
      this.landInStore(d, container);
      return { taken: true, to: 'store' };
    }
    this.landInCashbox(d);
    this.push(this.valuesEvent('CASHBOX_PAID', value, currency));
    return { taken: true, to: 'cashbox' };
  }

  /** SMART System: the feeder takes a handful of coins (PAY_IN_ACTIVE meanwhile, VALUE_ADDED at the end). */
  feedCoins(values: readonly number[], currency: string = this.currency): void {
    if (values.length === 0) return;
    if (!this.core.enabled) throw new KioskbusError(ErrorCode.InvalidArgument, 'feedCoins: the device is disabled');
    this.feeding += 1;
    let added = 0;
    values.forEach((value, i) => {
      this.core.schedule(this.config.timing.feedMs * (i + 1), () => {
        const result = this.insertCoin(value, currency);
        if (result.taken) added += value;
        if (i === values.length - 1) {
          this.feeding -= 1;
          if (this.options.valueAddedEvent && added > 0) this.push(this.valuesEvent('VALUE_ADDED', added, currency));
        }
      });
    });
  }

  override statusEvents(): SimEvent[] {
    const out = super.statusEvents();
    if (this.feeding > 0) out.push(this.simEvent(this.simple('PAY_IN_ACTIVE')));
    return out;
  }

  override powerUp(): void {
    this.feeding = 0;
    super.powerUp();
  }

  hopperOptions(): Required<HopperOptions> {
    return { ...this.options };
  }

  /** REG0 as the device holds it (the table's encoding of `options`). */
  get reg0(): number {
    return this.registers()[0] ?? 0;
  }

  get reg1(): number {
    return this.options.reg1;
  }

  private registers(): Uint8Array {
    return COMMANDS.GET_HOPPER_OPTIONS.encodeReply(this.options, this.ctx());
  }

  override handlers(): Handlers {
    return {
      ...super.handlers(),
      SETUP_REQUEST: () => {
        const v6 = this.core.protocolVersion >= 6;
        return {
          kind: 'coin',
          unitType: this.core.profile.unitType,
          firmware: this.core.profile.firmware,
          currency: this.currency,
          protocolVersion: this.core.protocolVersion,
          coinValues: this.denominations.map((d) => d.value),
          ...(v6 ? { coinCurrencies: this.denominations.map((d) => d.currency) } : {}),
          channels: [],
        };
      },
      SET_DENOMINATION_LEVEL: (a) => {
        const d = this.denomination(a.value, a.currency ?? this.currency);
        if (!d) outOfRange(`no coin ${a.value}`);
        if (this.busy()) cannotProcess(PAYOUT_ERROR_BYTES.busy);
        this.adjustLevel(d, a.count);
      },
      SET_COIN_MECH_INHIBITS: (a) => {
        const currency = a.currency ?? this.currency;
        if (!this.denomination(a.value, currency)) outOfRange(`no coin ${a.value}`);
        const k = `${currency}:${String(a.value)}`;
        if (a.inhibited) this.inhibitedCoins.add(k);
        else this.inhibitedCoins.delete(k);
      },
      SET_COIN_MECH_GLOBAL_INHIBIT: (a) => {
        this.coinMechEnabled = a.enable;
        this.push(this.simple(this.coinMechEnabled ? 'ATTACHED_COIN_MECH_ENABLED' : 'ATTACHED_COIN_MECH_DISABLED'));
      },
      COIN_MECH_OPTIONS: (a) => {
        this.coinMechErrors = a.ccTalk;
      },
      SET_HOPPER_OPTIONS: (a) => {
        this.options = { ...a };
        // the reply byte is the pay mode now in force: REG0 bit 0 (free pay) and bit 3 (cashbox coins in the split)
        const mode = a.cashBoxPayActive
          ? a.payMode
            ? 'freePayWithCashbox'
            : 'highestSplitWithCashbox'
          : a.payMode
            ? 'freePay'
            : 'highestSplit';
        return { mode };
      },
      GET_HOPPER_OPTIONS: () => this.options,
    };
  }

  /** SET_DENOMINATION_LEVEL: adds `count` coins (0 clears the level); the service put them in / took them out. */
  private adjustLevel(d: Denomination, count: number): void {
    const store = this.containers[0] ?? [];
    const a = this.account(d.currency);
    if (count === 0) {
      for (let i = store.length - 1; i >= 0; i--) {
        const item = store[i];
        if (item?.value === d.value && item.currency === d.currency) {
          store.splice(i, 1);
          a.initial -= d.value;
          a.stored -= d.value;
        }
      }
      return;
    }
    const room = Math.max(0, this.config.capacity - store.length);
    for (let i = 0; i < Math.min(count, room); i++) {
      store.push({ value: d.value, currency: d.currency, channel: d.channel });
      a.initial += d.value;
      a.stored += d.value;
    }
  }

  /** An error of the attached coin mechanism (COIN_MECH_ERROR when the ccTalk option is on). */
  coinMechError(code: number): void {
    if (this.coinMechErrors) this.push(tableEvent({ name: 'COIN_MECH_ERROR', error: code & 0xff }));
  }

  /** The return (reject) button of the attached coin mechanism is pressed. */
  coinMechReturn(): void {
    this.push(this.simple('COIN_MECH_RETURN_PRESSED'));
  }

  /** Coins jam in the attached coin mechanism. */
  coinMechJam(): void {
    this.push(this.simple('COIN_MECH_JAMMED'));
  }
}
