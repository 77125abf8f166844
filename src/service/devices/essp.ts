/**
 * eSSP devices in the service: an NV200 note validator (`SspValidator`) and the payout devices (`SmartPayout`,
 * `SmartHopper`) of kioskbus/essp, with their simulators when simulated.
 */
import { toHex } from '../../core/bytes.js';
import { ErrorCode, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import { SmartHopper, SmartPayout, SspValidator, type PayoutDevice, type SspValue } from '../../essp/index.js';
import type { SspSimulator } from '../../essp/simulator/index.js';
import { hopperOf } from '../../essp/simulator/payout/index.js';
import { BaseDevice, messageOf, payoutFailure, refused, type BaseOptions } from './base.js';
import type { PayoutResult, SimAction } from './types.js';

export interface EsspDeviceOptions extends BaseOptions {
  /** The eSSP host object (its bus is shared when several devices hang on one cable). */
  host: SspValidator | SmartPayout | SmartHopper;
  /** The simulator behind it, when simulated. */
  sim?: SspSimulator;
  /** Closes what this device owns besides the host (bus, transport, simulator). */
  release: () => Promise<void>;
  /** Longest time a payout may take before it is reported uncertain (default 60 s). */
  payoutTimeoutMs?: number;
}

type Host = SspValidator | PayoutDevice;

function isPayout(host: Host): host is PayoutDevice {
  return host instanceof SmartPayout || host instanceof SmartHopper;
}

export class EsspDevice extends BaseDevice {
  private readonly host: Host;
  private readonly sim: SspSimulator | undefined;
  private readonly release: () => Promise<void>;
  private readonly payoutTimeoutMs: number;

  constructor(options: EsspDeviceOptions) {
    const hopper = options.host instanceof SmartHopper;
    super(
      options,
      hopper
        ? ['insert', 'power-cut']
        : ['insert', 'jam', 'clear-jam', 'remove-cashbox', 'replace-cashbox', 'power-cut'],
    );
    this.host = options.host;
    this.sim = options.sim;
    this.release = options.release;
    this.payoutTimeoutMs = options.payoutTimeoutMs ?? 60_000;
    this.snap.canPayout = isPayout(this.host);
    this.listen();
    this.forwardUncertain(this.host);
  }

  private listen(): void {
    // Both host kinds share these event names; the cast only widens the listener's argument type.
    const host = this.host as SspValidator;
    host.on('credit', (note) => {
      const value = { amount: note.value, currency: note.currency };
      this.report({ type: 'credit', value, channel: note.channel, medium: 'note' });
      this.refreshSoon();
    });
    // A note the device took on a channel the set-up does not list: journalled for a person to settle, never valued.
    host.on('unknownCredit', (info) => {
      this.report({ type: 'credit_unknown_value', channel: info.channel, raw: toHex(info.raw), known: info.known });
      this.refreshSoon();
    });
    // Events that may be repeats of reported ones (our EVENT_ACK's answer was lost) or new ones of the same value:
    // reported once as they are, for a person to settle, never counted as money.
    host.on('repeatInDoubt', (info) => {
      this.report({ type: 'credit_in_doubt', events: info.events.map((e) => e.name) });
    });
    this.followLink(host);
    host.on('rejected', (reason) => {
      this.report({ type: 'rejected', reason: reason.reason });
    });
    host.on('jammed', (info) => {
      this.update({ jammed: true });
      this.report({ type: 'jam', safe: info.safe });
    });
    host.on('stacked', () => {
      if (this.snap.jammed) this.update({ jammed: false });
    });
    host.on('stackerFull', () => {
      this.report({ type: 'cashbox_full' });
    });
    host.on('cashboxRemoved', () => {
      this.update({ cashbox: { ...this.snap.cashbox, present: false } });
      this.report({ type: 'cashbox_removed' });
    });
    host.on('cashboxReplaced', () => {
      this.update({ cashbox: { ...this.snap.cashbox, present: true } });
      this.report({ type: 'cashbox_inserted' });
    });
    host.on('ready', () => {
      if (this.snap.jammed) this.update({ jammed: false });
    });
    if (isPayout(this.host)) {
      const payout = this.host;
      payout.on('coinCredit', (coin: SspValue) => {
        this.report({ type: 'credit', value: { amount: coin.value, currency: coin.currency }, medium: 'coin' });
        this.refreshSoon();
      });
      payout.on('payoutJammed', (progress) => {
        this.update({ jammed: true });
        this.report({ type: 'jam', during: 'payout', paid: { amount: progress.value, currency: progress.currency } });
      });
      payout.on('jamRecovery', () => {
        this.update({ jammed: false });
      });
      payout.on('dispensing', (progress) => {
        this.setState('busy');
        this.report({ type: 'dispensing', paid: { amount: progress.value, currency: progress.currency } });
      });
      payout.on('noteAtPowerUp', (note) => {
        this.report({
          type: 'note_at_power_up',
          to: note.to,
          value: { amount: note.value.value, currency: note.value.currency },
        });
      });
    }
  }

  protected async open(): Promise<void> {
    await this.host.start();
    const currency = isPayout(this.host) ? this.host.currency : this.host.channels[0]?.currency;
    const accepts = isPayout(this.host) && this.host instanceof SmartHopper ? [] : this.channelValues();
    this.update({
      ...(currency !== undefined ? { currency } : {}),
      ...(accepts.length > 0 ? { accepts } : {}),
      model: this.sim?.state.model ?? this.kind,
    });
  }

  private channelValues(): Money[] {
    const channels = this.host instanceof SmartHopper ? [] : (this.host as SspValidator).channels;
    return channels.filter((c) => c.value > 0).map((c) => ({ amount: c.value, currency: c.currency }));
  }

  async stop(): Promise<void> {
    this.cancelLateRefresh();
    this.update({ state: 'stopped' });
    try {
      await this.host.disable();
    } catch {
      // a device that is gone cannot be disabled; closing is what is left
    }
    await this.host.close();
    await this.release();
  }

  protected async setEnabled(on: boolean): Promise<void> {
    if (on) await this.host.enable();
    else await this.host.disable();
  }

  /** GET_COUNTERS then RESET_COUNTERS: what the counters were (a device without counters refuses with its answer). */
  async resetCounts(): Promise<Record<string, unknown>> {
    // both host kinds run the same typed eSSP commands; the cast only picks one signature of the union
    const host = this.host as SspValidator;
    const before = await host.command('GET_COUNTERS');
    await host.command('RESET_COUNTERS');
    return { before };
  }

  override async refresh(): Promise<void> {
    const cashbox = this.simCashbox();
    if (cashbox) this.update({ cashbox });
    if (!isPayout(this.host)) return;
    const levels = await this.host.levels();
    this.update({
      levels: levels.map((l) => ({ value: { amount: l.value, currency: l.currency }, count: l.level })),
    });
  }

  private simCashbox(): { present: boolean; count: number; capacity: number } | undefined {
    if (!this.sim || this.host instanceof SmartHopper) return undefined;
    const box = this.sim.state.validator.cashbox;
    return { present: box.present, count: box.notes, capacity: box.capacity };
  }

  async payout(amount: Money): Promise<PayoutResult> {
    if (!isPayout(this.host)) return refused(amount, `${this.id} cannot pay out`, ErrorCode.InvalidArgument);
    if (!this.snap.online) return refused(amount, `${this.id} is offline`, ErrorCode.Offline);
    const device = this.host;
    const outcome = device.payoutOutcome(AbortSignal.timeout(this.payoutTimeoutMs));
    outcome.catch(() => undefined); // awaited below only when the device accepted the payout
    try {
      await device.payout(amount.amount, amount.currency);
    } catch (error) {
      return payoutFailure(error, amount);
    }
    try {
      const done = await outcome;
      const paid = { amount: done.paid, currency: done.currency };
      if (done.status === 'dispensed') return { status: 'paid', requested: amount, paid };
      return {
        status: 'uncertain',
        requested: amount,
        paid,
        reason: `payout ended ${done.status} after ${String(done.paid)} of ${String(amount.amount)}`,
        code: ErrorCode.Uncertain,
      };
    } catch (error) {
      return { ...payoutFailure(error, amount), status: 'uncertain', reason: `no end of payout: ${messageOf(error)}` };
    } finally {
      this.setState(this.idleState());
      this.refreshSoon();
    }
  }

  protected override act(action: SimAction): void {
    const sim = this.sim;
    if (!sim) throw this.unsupported(action);
    switch (action.action) {
      case 'insert': {
        const value = action.value;
        if (!value) throw new KioskbusError(ErrorCode.InvalidArgument, 'insert needs a value');
        if (this.host instanceof SmartHopper) {
          hopperOf(sim).insertCoin(value.amount);
          return;
        }
        const channel = (this.host as SspValidator).channels.find(
          (c) => c.value === value.amount && c.currency === value.currency,
        );
        if (!channel) {
          throw new KioskbusError(
            ErrorCode.InvalidArgument,
            `${this.id} has no channel for ${String(value.amount)} ${value.currency}; it takes ` +
              this.channelValues()
                .map((m) => String(m.amount))
                .join(', '),
          );
        }
        sim.insertNote(channel.channel);
        return;
      }
      case 'jam':
        sim.jam('unsafe');
        return;
      case 'clear-jam':
        sim.clearJam();
        return;
      case 'remove-cashbox':
        sim.removeCashbox();
        return;
      case 'replace-cashbox':
        sim.replaceCashbox({ empty: true });
        return;
      case 'power-cut':
        sim.powerCycle();
        return;
      default:
        throw this.unsupported(action);
    }
  }
}
