/** What the service's per-protocol device builders share: counted buses, the simulators' float, the context. */
import type { SerialDefaults } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import type { DeviceConfig, ServiceConfig } from './config.js';
import type { ServiceDevice } from './devices/types.js';

/** Counted users of one port (a bus shared by several devices); closes it when the last one lets go. */
export class Shared<T> {
  private users = 0;
  constructor(
    readonly value: T,
    private readonly close: () => Promise<void>,
  ) {}
  use(): () => Promise<void> {
    this.users += 1;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.users -= 1;
      if (this.users === 0) await this.close();
    };
  }
}

/** The float of simulated payout devices. */
export const SIM_FLOAT = {
  notes: [
    { value: 500, count: 10 },
    { value: 1000, count: 10 },
    { value: 2000, count: 5 },
  ],
  coins: [
    { value: 10, count: 40 },
    { value: 20, count: 40 },
    { value: 50, count: 30 },
    { value: 100, count: 30 },
    { value: 200, count: 20 },
  ],
};

/** What a protocol's builder gets: options, shared buses per port, transports. */
export interface BuildContext {
  readonly pollIntervalMs: number;
  readonly fast: boolean;
  readonly config: ServiceConfig;
  /** The one bus of a port (per protocol), made on first use. */
  shared<T>(protocol: string, port: string, create: () => Shared<T>): Shared<T>;
  /** A transport for a real port (path, serial://, tcp://) with the protocol's line defaults. */
  transport(port: string, defaults: SerialDefaults): Transport;
  /** A host end and a simulator end joined in memory, and a function closing both. */
  memoryPair(id: string): { hostEnd: Transport; simEnd: Transport; close(): Promise<void> };
}

/** A protocol's part of the builder (`build-essp.ts`, `build-ccnet.ts`, `build-controllerbox.ts`). */
export interface ProtocolBuilder {
  real(d: DeviceConfig, ctx: BuildContext): ServiceDevice;
  simulated(d: DeviceConfig, ctx: BuildContext): ServiceDevice;
}
