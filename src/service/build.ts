/**
 * Builds the service's devices from a configuration: for `port: "simulated"` each device gets its own simulator on an
 * in-memory pair (payout devices with a float); otherwise a transport per port, shared by the devices on that cable.
 * A protocol's code (host, simulator, adapter) is loaded only when the configuration names one of its devices, and
 * the serial transport only when a device is not simulated, so a service starts quickly.
 */
import { createMemoryPair } from '../transport/memory.js';
import type { BuildContext, ProtocolBuilder, Shared } from './build-shared.js';
import type { ServiceConfig } from './config.js';
import { PROTOCOL_OF, type ServiceDevice, type ServiceProtocol } from './devices/types.js';

export interface BuildOptions {
  /** Short simulator timings (tests, demos): notes take tens of ms instead of a second. */
  fastSimulators?: boolean;
  /** eSSP poll interval (200..1000 ms, default 200) and CCNET poll interval (default 200 ms). */
  pollIntervalMs?: number;
}

const LOADERS: Readonly<Record<ServiceProtocol, () => Promise<ProtocolBuilder>>> = {
  essp: async () => (await import('./build-essp.js')).esspBuilder,
  ccnet: async () => (await import('./build-ccnet.js')).ccnetBuilder,
  controllerbox: async () => (await import('./build-controllerbox.js')).controllerboxBuilder,
};

export type { BuildContext, ProtocolBuilder } from './build-shared.js';

export class DeviceBuilder {
  private readonly buses = new Map<string, Shared<unknown>>();
  private readonly poll: number;

  constructor(private readonly options: BuildOptions = {}) {
    this.poll = options.pollIntervalMs ?? 200;
  }

  /** The devices of `config`, loading only the protocols (and the serial transport) it uses. */
  async build(config: ServiceConfig): Promise<ServiceDevice[]> {
    const protocols = [...new Set(config.devices.map((d) => PROTOCOL_OF[d.kind]))];
    const builders = new Map(await Promise.all(protocols.map(async (p) => [p, await LOADERS[p]()] as const)));
    const open = config.devices.some((d) => d.port !== 'simulated')
      ? (await import('../transport/open.js')).createTransport
      : undefined;
    const ctx: BuildContext = {
      pollIntervalMs: this.poll,
      fast: this.options.fastSimulators === true,
      config,
      shared: <T>(protocol: string, port: string, create: () => Shared<T>): Shared<T> => {
        const key = `${protocol} ${port}`;
        let shared = this.buses.get(key) as Shared<T> | undefined;
        if (!shared) {
          shared = create();
          this.buses.set(key, shared);
        }
        return shared;
      },
      transport: (port, defaults) => {
        if (!open) throw new Error(`no transport for ${port}`);
        return open(port, defaults);
      },
      memoryPair: (id) => {
        const [hostEnd, simEnd] = createMemoryPair({ names: [`memory:${id}`, `memory:${id}-sim`] });
        return {
          hostEnd,
          simEnd,
          close: async () => {
            await hostEnd.close();
            await simEnd.close();
          },
        };
      },
    };
    return config.devices.map((d) => {
      const builder = builders.get(PROTOCOL_OF[d.kind]);
      if (!builder) throw new Error(`no builder for ${d.kind}`);
      return d.port === 'simulated' ? builder.simulated(d, ctx) : builder.real(d, ctx);
    });
  }
}
