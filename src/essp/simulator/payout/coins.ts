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
import { COMMANDS, type HopperOptions } from '../../commands.js';
import { encodeSetupRequest } from '../../decoders.js';
import { Generic, okReply, type SimCommand, type SimCore, type SimReply } from '../behaviour.js';
import type { SimEvent } from '../event-queue.js';
import { DEFAULT_PAYOUT_TIMING, PayoutEngine, tableEvent, ROUTE_BYTES, type Denomination } from './engine.js';
import type { PayoutSimOptions } from './types.js';

const OK = Generic.Ok;
const PARAMETER_OUT_OF_RANGE = Generic.ParameterOutOfRange;

/** REG0 after a reset (M649 p.109): level check, high motor speed, high-efficiency split. */
const DEFAULT_REG0 = 0b0010_0110;

export type CoinResult = { taken: true; to: 'store' | 'cashbox' } | { taken: false; reason: string };

export class CoinHopper extends PayoutEngine {
  readonly name: string;
  /** REG0 / REG1 of SET_HOPPER_OPTIONS. */
  reg0 = DEFAULT_REG0;
  reg1 = 0;
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
        routes: [ROUTE_BYTES.payout, ROUTE_BYTES.cashbox],
        defaultRoute: () => ROUTE_BYTES.payout,
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
          if ((this.reg0 & 0x80) !== 0 && added > 0) this.push(this.valuesEvent('VALUE_ADDED', added, currency));
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
    return COMMANDS.GET_HOPPER_OPTIONS.decodeReply(Uint8Array.of(this.reg0, this.reg1), this.ctx());
  }

  protected override command(command: SimCommand): SimReply | undefined {
    const { args } = command;
    const ctx = this.ctx();
    switch (command.name) {
      case 'SETUP_REQUEST': {
        const v6 = this.core.protocolVersion >= 6;
        return okReply(
          encodeSetupRequest({
            kind: 'coin',
            unitType: this.core.profile.unitType,
            firmware: this.core.profile.firmware,
            currency: this.currency,
            protocolVersion: this.core.protocolVersion,
            coinValues: this.denominations.map((d) => d.value),
            ...(v6 ? { coinCurrencies: this.denominations.map((d) => d.currency) } : {}),
            channels: [],
          }),
        );
      }
      case 'SET_DENOMINATION_LEVEL': {
        const a = COMMANDS.SET_DENOMINATION_LEVEL.decodeArgs(args, ctx);
        const d = this.denomination(a.value, a.currency ?? this.currency);
        if (!d) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
        if (this.busy()) return Uint8Array.of(Generic.CannotProcess, 3);
        this.adjustLevel(d, a.count);
        return Uint8Array.of(OK);
      }
      case 'SET_COIN_MECH_INHIBITS': {
        const a = COMMANDS.SET_COIN_MECH_INHIBITS.decodeArgs(args, ctx);
        const currency = a.currency ?? this.currency;
        if (!this.denomination(a.value, currency)) return Uint8Array.of(PARAMETER_OUT_OF_RANGE);
        const k = `${currency}:${String(a.value)}`;
        if (a.inhibited) this.inhibitedCoins.add(k);
        else this.inhibitedCoins.delete(k);
        return Uint8Array.of(OK);
      }
      case 'SET_COIN_MECH_GLOBAL_INHIBIT':
        this.coinMechEnabled = COMMANDS.SET_COIN_MECH_GLOBAL_INHIBIT.decodeArgs(args, ctx).enable;
        this.push(this.simple(this.coinMechEnabled ? 'ATTACHED_COIN_MECH_ENABLED' : 'ATTACHED_COIN_MECH_DISABLED'));
        return Uint8Array.of(OK);
      case 'COIN_MECH_OPTIONS':
        this.coinMechErrors = COMMANDS.COIN_MECH_OPTIONS.decodeArgs(args, ctx).ccTalk;
        return Uint8Array.of(OK);
      case 'SET_HOPPER_OPTIONS': {
        if (args.length !== 2) return Uint8Array.of(Generic.WrongParameters);
        this.reg0 = args[0] ?? 0;
        this.reg1 = args[1] ?? 0;
        // the reply byte is the pay mode now in force: REG0 bit 0 (free pay) and bit 3 (cashbox coins in the split)
        const freePay = (this.reg0 & 0x01) !== 0;
        const mode =
          (this.reg0 & 0x08) !== 0
            ? freePay
              ? 'freePayWithCashbox'
              : 'highestSplitWithCashbox'
            : freePay
              ? 'freePay'
              : 'highestSplit';
        return okReply(COMMANDS.SET_HOPPER_OPTIONS.encodeReply({ mode }, ctx));
      }
      case 'GET_HOPPER_OPTIONS':
        return Uint8Array.of(OK, this.reg0, this.reg1);
      default:
        return super.command(command);
    }
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
