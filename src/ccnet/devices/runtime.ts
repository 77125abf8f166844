/**
 * How every CCNET host device (bill validator / B2B, coin changer, card reader) lives on the shared DeviceLoop
 * (src/core/device-loop.ts): POLL at a fixed rate, `offline` once after the spec's non-response time (5 s), the
 * port reopened with back-off, a silent device asked with POLL first (so what it holds, a STACKED not yet
 * acknowledged, coins accepted meanwhile, is taken and reported before anything else) and sent RESET only while it
 * stays silent (at least every 10 s, as the spec asks), `online` once, and the set-up again. A device that reports a
 * POWER UP state is set up again by itself (RESET, wait until initialised, re-enable).
 */
import type { Clock } from '../../core/clock.js';
import { DeviceLoop, type DeviceState, type InitReason } from '../../core/device-loop.js';
import { ErrorCode, isKioskbusError, KioskbusError } from '../../core/errors.js';
import type { CcnetBus } from '../bus.js';
import { isDoubt, type PolledState } from './device-common.js';

/** Polling and recovery options every CCNET device takes. */
export interface CcnetLoopOptions {
  /** Polling period (spec t-poll 100–200 ms). Default 200 ms. */
  pollIntervalMs?: number;
  /** Polling period while the device reports INITIALIZE (faster connect). Default 100 ms (the spec's minimum). */
  initPollIntervalMs?: number;
  /** Silence after which the device counts as offline (spec 5 s). Default 5000 ms. */
  nonResponseMs?: number;
  /** RESET cadence while the device stays silent (spec: at least every 10 s). Default 5000 ms, at most 10 000. */
  resetIntervalMs?: number;
  /** First wait before reaching an offline device again; doubles up to reopenMaxMs. Default 250 ms. */
  reopenMinMs?: number;
  /** Longest wait between attempts to reach an offline device. Default 5000 ms. */
  reopenMaxMs?: number;
  /** How long an application call waits for a device that is not ready (recovering). Default 5000 ms. */
  readyTimeoutMs?: number;
}

/** @deprecated the name before the shared loop; same options. */
export type PollLoopOptions = CcnetLoopOptions;

/** What the runtime needs from a device class. */
export interface CcnetRuntimeDevice {
  readonly address: number;
  /** One POLL, its events reported (and ACKed by the link). */
  poll(): Promise<PolledState>;
  /** The device's RESET command. */
  reset(): Promise<void>;
  /** True for the device's power-up states (the device must be reset and set up). */
  isPowerUp(state: PolledState): boolean;
  /** Full first set-up when the application did not call `initialize()` itself. */
  initialize(): Promise<unknown>;
  /** After a RESET: forget the old state, wait until initialised, re-enable what was enabled. */
  setUp(): Promise<void>;
  /** After an outage in which the device kept its state (it was not power-cycled): re-enable what was enabled. */
  resume(): Promise<void>;
  /** Whether `initialize()` ran (then the loop's start does not reset the device again). */
  isInitialised(): boolean;
  /** Stops what runs beside the POLLs (HOLD refresh) when the device goes offline. */
  onOffline?(): void;
}

export interface CcnetRuntimeEvents {
  offline: (error: KioskbusError) => void;
  online: () => void;
  problem: (error: KioskbusError) => void;
  lifecycle: (to: DeviceState, from: DeviceState) => void;
}

/** The DeviceLoop of one CCNET device with the CCNET hooks. */
export class CcnetRuntime {
  readonly loop: DeviceLoop;
  readonly pollIntervalMs: number;
  readonly initPollIntervalMs: number;
  readonly nonResponseMs: number;
  readonly resetIntervalMs: number;
  private readonly clock: Clock;
  private lastResetAt = -Infinity;
  private silentSince = 0;
  /** A RESET went out while the device was silent (it may be initialising now, whatever its first answer). */
  private resetWhileSilent = false;

  constructor(
    private readonly bus: CcnetBus,
    private readonly device: CcnetRuntimeDevice,
    events: CcnetRuntimeEvents,
    options: CcnetLoopOptions = {},
  ) {
    this.clock = bus.clock;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.initPollIntervalMs = Math.min(options.initPollIntervalMs ?? 100, this.pollIntervalMs);
    this.nonResponseMs = options.nonResponseMs ?? 5000;
    this.resetIntervalMs = Math.min(options.resetIntervalMs ?? 5000, 10_000);
    this.loop = new DeviceLoop(
      {
        open: () => this.open(),
        initialise: (reason) => this.initialise(reason),
        poll: async () => {
          await this.device.poll();
        },
        probe: () => this.probe(),
      },
      {
        pollIntervalMs: this.pollIntervalMs,
        offlineAfterMs: this.nonResponseMs,
        clock: this.clock,
        ...(options.reopenMinMs !== undefined ? { reopenMinMs: options.reopenMinMs } : {}),
        ...(options.reopenMaxMs !== undefined ? { reopenMaxMs: options.reopenMaxMs } : {}),
        ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
      },
    );
    this.loop.on('offline', (error) => {
      this.silentSince = this.clock.now();
      this.device.onOffline?.();
      events.offline(error);
    });
    this.loop.on('online', events.online);
    this.loop.on('problem', events.problem);
    this.loop.on('state', events.lifecycle);
  }

  /** The device answered (any command). */
  answered(): void {
    this.loop.answered();
  }

  /** A POLL answer showed a power-up state: set the device up again (once the loop is polling it). */
  powerUpSeen(): void {
    if (this.loop.state === 'ready' || this.loop.state === 'busy') this.loop.requestInit('power-up');
  }

  /** For application calls: waits (bounded) while a running loop recovers; NOT_READY when it does not in time. */
  async whenReady(): Promise<void> {
    if (this.loop.running && this.loop.state !== 'ready') await this.loop.whenReady();
  }

  private async open(): Promise<void> {
    const transport = this.bus.transport;
    if (!transport.isOpen) await transport.open();
  }

  /** Retries `step` on no-answer errors until the device has been silent for the non-response time. */
  private async patiently<T>(step: () => Promise<T>): Promise<T> {
    const since = this.clock.now();
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (!isDoubt(error) || this.clock.now() - since >= this.nonResponseMs) throw error;
      }
    }
  }

  private async initialise(reason: InitReason): Promise<void> {
    if (reason === 'start') {
      if (!this.device.isInitialised()) await this.patiently(() => this.device.initialize());
      return;
    }
    if (reason === 'online') {
      // the probe took what the device held; a device that was power-cycled (or reset by us) is set up again
      const state = await this.patiently(() => this.device.poll());
      if (!this.device.isPowerUp(state)) {
        // after our own RESET the device initialises: wait for it (never enable a device still initialising)
        const reset = this.resetWhileSilent;
        this.resetWhileSilent = false;
        await this.patiently(() => (reset ? this.device.setUp() : this.device.resume()));
        return;
      }
    }
    this.resetWhileSilent = false;
    await this.patiently(() => this.device.reset());
    await this.patiently(() => this.device.setUp());
  }

  /**
   * While offline: POLL first (what the device holds is reported before anything else); while it stays silent,
   * RESET at least every `resetIntervalMs`, as the spec asks.
   */
  private async probe(): Promise<void> {
    try {
      await this.device.poll();
      return;
    } catch (error) {
      if (!isDoubt(error)) throw error;
      const now = this.clock.now();
      const dueAt = Math.max(this.lastResetAt, this.silentSince) + this.resetIntervalMs;
      if (now < dueAt) throw error;
      this.lastResetAt = now;
      this.resetWhileSilent = true;
      try {
        await this.device.reset();
      } catch (resetError) {
        // ILLEGAL COMMAND is an answer too: the device is back
        if (!isKioskbusError(resetError, ErrorCode.IllegalCommand)) throw error;
      }
    }
  }

  /** Starts the loop: opens the port if needed, sets the device up (unless `initialize()` ran), then polls. */
  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}

/** A start-up failure of the loop, reported as a `problem` when nobody awaits `start()`. */
export function startFailure(error: unknown): KioskbusError {
  return isKioskbusError(error) ? error : new KioskbusError(ErrorCode.DeviceError, String(error));
}
