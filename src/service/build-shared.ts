/**
 * What the service's per-protocol device builders share: counted buses, simulators on memory pairs, the fields every
 * adapter starts with, the simulators' float, the context.
 */
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

/**
 * The one bus of a port for `protocol` (made by `make` on first use, on `transport` or a new transport to `port` with
 * the protocol's line `defaults`); the last user's release closes the bus, then its transport.
 */
export function sharedBus<B extends { close(): void | Promise<void> }>(
  ctx: BuildContext,
  protocol: string,
  port: string,
  defaults: SerialDefaults,
  make: (transport: Transport) => B,
  transport?: Transport,
): Shared<B> {
  return ctx.shared(protocol, port, () => {
    const t = transport ?? ctx.transport(port, defaults);
    const bus = make(t);
    return new Shared(bus, async () => {
      await bus.close();
      await t.close();
    });
  });
}

/** A simulator as the service uses one: attached to a transport, closed when it has a `close`. */
export interface AttachableSimulator {
  attach(transport: Transport): () => void;
  close?(): void;
}

/**
 * `sim` on the simulator end of a memory pair for device `id`: the host end, and `release(first)`, the release of
 * it all (`first`, e.g. letting go of a shared bus, then the simulator detached and closed, then the pair closed).
 */
export function simulatorOnPair(
  ctx: BuildContext,
  id: string,
  sim: AttachableSimulator,
): { hostEnd: Transport; release(first?: () => Promise<void>): () => Promise<void> } {
  const pair = ctx.memoryPair(id);
  const detach = sim.attach(pair.simEnd);
  return {
    hostEnd: pair.hostEnd,
    release: (first = () => Promise.resolve()) => {
      return async () => {
        await first();
        detach();
        sim.close?.();
        await pair.close();
      };
    },
  };
}

/** The fields every service device adapter starts with, from its configuration. */
export function adapterBase(
  d: DeviceConfig,
  simulated: boolean,
  release: () => Promise<void>,
): { id: string; kind: DeviceConfig['kind']; simulated: boolean; enable: boolean; release: () => Promise<void> } {
  return { id: d.id, kind: d.kind, simulated, enable: d.enabled ?? true, release };
}
