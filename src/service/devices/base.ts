/**
 * Shared part of the device adapters: the snapshot fields, change notification, and the rule that turns a payout
 * error into an outcome (refused when the device said no before anything moved, uncertain otherwise).
 */
import { EventEmitter } from 'node:events';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import type { Money } from '../../core/money.js';
import type {
  DeviceEvent,
  DeviceKind,
  DeviceSnapshot,
  DeviceState,
  PayoutResult,
  ServiceDevice,
  ServiceDeviceEvents,
  ServiceProtocol,
  SimAction,
  SimActionName,
} from './types.js';
import { PROTOCOL_OF } from './types.js';

/** Errors that mean the device refused the payout before anything moved. */
const REFUSALS = new Set<string>([
  ErrorCode.NotEnoughValue,
  ErrorCode.CannotPayExact,
  ErrorCode.DeviceBusy,
  ErrorCode.DeviceDisabled,
  ErrorCode.PayoutRefused,
  ErrorCode.CommandRefused,
  ErrorCode.CannotProcess,
  ErrorCode.InvalidArgument,
  ErrorCode.InvalidMoney,
  ErrorCode.WrongParameters,
  ErrorCode.ParameterOutOfRange,
  ErrorCode.IllegalCommand,
  ErrorCode.NotReady,
  ErrorCode.WrongMode,
]);

/** When levels are read again after a credit or payout (besides at once). */
export const LATE_REFRESH_MS = 1000;

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A payout call failed: refused when the device said no, otherwise uncertain (the answer may be lost). */
export function payoutFailure(error: unknown, requested: Money, paid = 0): PayoutResult {
  const code = isKioskbusError(error) ? error.code : undefined;
  const refused = code !== undefined && REFUSALS.has(code) && paid === 0;
  return {
    status: refused ? 'refused' : 'uncertain',
    requested,
    paid: { amount: paid, currency: requested.currency },
    reason: messageOf(error),
    ...(code !== undefined ? { code } : {}),
  };
}

export function refused(requested: Money, reason: string, code: string = ErrorCode.PayoutRefused): PayoutResult {
  return { status: 'refused', requested, paid: { amount: 0, currency: requested.currency }, reason, code };
}

export interface BaseOptions {
  id: string;
  kind: DeviceKind;
  simulated: boolean;
  /** Enable at start (default true). */
  enable?: boolean;
}

/** The link events every protocol's host emits. */
export interface LinkEvents {
  on(event: 'offline', listener: (error: { message: string }) => void): unknown;
  on(event: 'online', listener: () => void): unknown;
}

export abstract class BaseDevice extends EventEmitter<ServiceDeviceEvents> implements ServiceDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly protocol: ServiceProtocol;
  protected snap: DeviceSnapshot;
  protected readonly enableAtStart: boolean;
  /** The late read of `refreshSoon` (an ES private name: no clash with a field of a subclass). */
  #lateRefresh: ReturnType<typeof setTimeout> | undefined;

  protected constructor(options: BaseOptions, actions: SimActionName[]) {
    super();
    this.id = options.id;
    this.kind = options.kind;
    this.protocol = PROTOCOL_OF[options.kind];
    this.enableAtStart = options.enable ?? true;
    this.snap = {
      id: options.id,
      protocol: this.protocol,
      kind: options.kind,
      simulated: options.simulated,
      state: 'starting',
      online: false,
      enabled: false,
      jammed: false,
      canPayout: false,
      actions: options.simulated ? actions : [],
    };
  }

  snapshot(): DeviceSnapshot {
    return structuredClone(this.snap);
  }

  async start(): Promise<void> {
    try {
      await this.open();
      this.update({ online: true, state: 'disabled', enabled: false });
      await this.refresh().catch(() => undefined);
      if (this.enableAtStart) await this.enable();
    } catch (error) {
      this.update({ state: 'failed', error: messageOf(error) });
    }
  }

  async enable(): Promise<void> {
    await this.setEnabled(true);
    this.update({ enabled: true, ...(this.snap.online ? { state: 'ready' as const } : {}) });
  }

  async disable(): Promise<void> {
    await this.setEnabled(false);
    this.update({ enabled: false, ...(this.snap.online ? { state: 'disabled' as const } : {}) });
  }

  async refresh(): Promise<void> {
    // devices without levels have nothing to read
  }

  /**
   * Levels change with credits and payouts: read them again soon, off the event's call stack, and once more `lateMs`
   * later (a device may count a note or coin only once it has reached its store, and a read at that moment can fail
   * on a busy line). Failed reads are left for the next one.
   */
  protected refreshSoon(lateMs = LATE_REFRESH_MS): void {
    setImmediate(() => {
      this.refresh().catch(() => undefined);
    });
    clearTimeout(this.#lateRefresh);
    this.#lateRefresh = setTimeout(() => {
      if (this.snap.state !== 'stopped') this.refresh().catch(() => undefined);
    }, lateMs);
    this.#lateRefresh.unref();
  }

  /** Drops the late read of `refreshSoon` (when the device stops). */
  protected cancelLateRefresh(): void {
    clearTimeout(this.#lateRefresh);
  }

  abstract stop(): Promise<void>;
  protected abstract open(): Promise<void>;
  protected abstract setEnabled(on: boolean): Promise<void>;

  protected update(change: Partial<DeviceSnapshot>): void {
    this.snap = { ...this.snap, ...change };
    this.emit('change');
  }

  protected report(event: DeviceEvent): void {
    this.emit('event', event);
  }

  /**
   * Hosts that report doubt emit `uncertain` (a money-moving command whose answer was lost); older hosts never do, so
   * the listener is attached by name, without the host's event types.
   */
  protected forwardUncertain(host: object): void {
    const emitter = host as { on?: (name: string, listener: (info: unknown) => void) => unknown };
    emitter.on?.('uncertain', (info) => {
      const text = JSON.stringify(info, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value,
      ) as string | undefined; // undefined when there is no info
      const plain = JSON.parse(text ?? 'null') as unknown;
      this.report({ type: 'uncertain', info: plain });
    });
  }

  /** Follows a host's `offline` and `online` events (every protocol's host emits each once per transition). */
  protected followLink(host: LinkEvents): void {
    host.on('offline', (error) => {
      this.wentOffline(error.message);
    });
    host.on('online', () => {
      this.cameOnline();
    });
  }

  protected wentOffline(reason: string): void {
    if (this.snap.state === 'stopped') return;
    this.update({ online: false, state: 'offline', error: reason });
    this.report({ type: 'offline', reason });
  }

  protected cameOnline(): void {
    if (this.snap.state === 'stopped') return;
    delete this.snap.error;
    this.update({ online: true, state: this.snap.enabled ? 'ready' : 'disabled' });
    this.report({ type: 'online' });
  }

  /** The state when nothing runs: ready, disabled or offline. */
  protected idleState(): DeviceState {
    if (!this.snap.online) return 'offline';
    return this.snap.enabled ? 'ready' : 'disabled';
  }

  protected setState(state: DeviceState): void {
    if (this.snap.state !== state) this.update({ state });
  }

  /** Runs a simulator action; a refusal (thrown by `act`) becomes a rejected promise. */
  simulate(action: SimAction): Promise<void> {
    return new Promise((resolve) => {
      this.act(action);
      resolve();
    });
  }

  /** The device's own simulator actions; by default it has none. */
  protected act(action: SimAction): void {
    throw this.unsupported(action);
  }

  protected unsupported(action: SimAction): KioskbusError {
    return new KioskbusError(ErrorCode.InvalidArgument, `${this.id} cannot simulate "${action.action}"`, {
      device: this.id,
    });
  }
}
