/**
 * Builds the service's devices from a configuration: for `port: "simulated"` each device gets its own simulator on an
 * in-memory pair (payout devices with a float); otherwise a transport per port, shared by the devices on that cable.
 */
import {
  BillSimulator,
  BillToBill,
  BillValidator,
  CardReader,
  CardReaderSimulator,
  CCNET_SERIAL_DEFAULTS,
  CcnetBus,
  CoinChanger,
  CoinSimulator,
} from '../ccnet/index.js';
import { ControllerBoxHost, ControllerBoxSimulator, CONTROLLERBOX_SERIAL_DEFAULTS } from '../controllerbox/index.js';
import { ESSP_SERIAL_DEFAULTS, SmartHopper, SmartPayout, SspBus, SspSimulator, SspValidator } from '../essp/index.js';
import { createMemoryPair } from '../transport/memory.js';
import { createTransport } from '../transport/open.js';
import type { Transport } from '../transport/types.js';
import type { DeviceConfig, ServiceConfig } from './config.js';
import { CcnetBillDevice, CcnetCardDevice, CcnetCoinDevice } from './devices/ccnet.js';
import { ControllerBoxDevice } from './devices/controllerbox.js';
import { EsspDevice } from './devices/essp.js';
import type { ServiceDevice } from './devices/types.js';

export interface BuildOptions {
  /** Short simulator timings (tests, demos): notes take tens of ms instead of a second. */
  fastSimulators?: boolean;
  /** eSSP poll interval (200..1000 ms, default 200) and CCNET poll interval (default 200 ms). */
  pollIntervalMs?: number;
}

/** Counted users of one port (a bus shared by several devices); closes it when the last one lets go. */
class Shared<T> {
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

const SIM_FLOAT = {
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

function keyOf(hex: string | undefined): bigint | undefined {
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}

export class DeviceBuilder {
  private readonly ssp = new Map<string, Shared<SspBus>>();
  private readonly ccnet = new Map<string, Shared<CcnetBus>>();
  private readonly poll: number;

  constructor(private readonly options: BuildOptions = {}) {
    this.poll = options.pollIntervalMs ?? 200;
  }

  build(config: ServiceConfig): ServiceDevice[] {
    return config.devices.map((d) => (d.port === 'simulated' ? this.simulated(d, config) : this.real(d, config)));
  }

  private sspBus(port: string, transport?: Transport): Shared<SspBus> {
    let shared = this.ssp.get(port);
    if (!shared) {
      const t = transport ?? createTransport(port, ESSP_SERIAL_DEFAULTS);
      const bus = new SspBus(t);
      shared = new Shared(bus, async () => {
        await bus.close();
        await t.close();
      });
      this.ssp.set(port, shared);
    }
    return shared;
  }

  private ccnetBus(port: string, transport?: Transport): Shared<CcnetBus> {
    let shared = this.ccnet.get(port);
    if (!shared) {
      const t = transport ?? createTransport(port, CCNET_SERIAL_DEFAULTS);
      const bus = new CcnetBus(t);
      shared = new Shared(bus, async () => {
        bus.close();
        await t.close();
      });
      this.ccnet.set(port, shared);
    }
    return shared;
  }

  private real(d: DeviceConfig, config: ServiceConfig): ServiceDevice {
    const base = { id: d.id, kind: d.kind, simulated: false, enable: d.enabled ?? true };
    const fixedKey = keyOf(d.fixedKey);
    const essp = {
      pollIntervalMs: this.poll,
      ...(d.address !== undefined ? { address: d.address } : {}),
      ...(fixedKey !== undefined ? { fixedKey } : {}),
      ...(d.accept ? { acceptValues: d.accept } : {}),
    };
    const ccnet = { pollIntervalMs: this.poll, ...(d.address !== undefined ? { address: d.address } : {}) };
    switch (d.kind) {
      case 'nv200':
      case 'smart-payout':
      case 'smart-hopper': {
        const shared = this.sspBus(d.port);
        const release = shared.use();
        const bus = shared.value;
        const host =
          d.kind === 'nv200'
            ? new SspValidator(bus, essp)
            : d.kind === 'smart-payout'
              ? new SmartPayout(bus, essp)
              : new SmartHopper(bus, essp);
        return new EsspDevice({ ...base, host, release });
      }
      case 'bill-validator':
      case 'bill-to-bill': {
        const shared = this.ccnetBus(d.port);
        const host =
          d.kind === 'bill-to-bill' ? new BillToBill(shared.value, ccnet) : new BillValidator(shared.value, ccnet);
        return new CcnetBillDevice({ ...base, host, release: shared.use() });
      }
      case 'coin-changer': {
        const shared = this.ccnetBus(d.port);
        return new CcnetCoinDevice({ ...base, host: new CoinChanger(shared.value, ccnet), release: shared.use() });
      }
      case 'card-reader': {
        const shared = this.ccnetBus(d.port);
        return new CcnetCardDevice({
          ...base,
          host: new CardReader(shared.value, ccnet),
          release: shared.use(),
          currency: d.currency ?? config.currency,
        });
      }
      case 'controllerbox': {
        const transport = createTransport(d.port, CONTROLLERBOX_SERIAL_DEFAULTS);
        const host = new ControllerBoxHost(transport, { currency: d.currency ?? config.currency });
        return new ControllerBoxDevice({ ...base, host, release: () => Promise.resolve() });
      }
    }
  }

  private simulated(d: DeviceConfig, config: ServiceConfig): ServiceDevice {
    const base = { id: d.id, kind: d.kind, simulated: true, enable: d.enabled ?? true };
    const fast = this.options.fastSimulators === true;
    const [hostEnd, simEnd] = createMemoryPair({ names: [`memory:${d.id}`, `memory:${d.id}-sim`] });
    const closeEnds = async (): Promise<void> => {
      await hostEnd.close();
      await simEnd.close();
    };
    switch (d.kind) {
      case 'nv200':
      case 'smart-payout':
      case 'smart-hopper': {
        const hopper = d.kind === 'smart-hopper';
        const sim = new SspSimulator({
          device: d.kind,
          replyLatencyMs: 1,
          ...(fast ? { timing: { readMs: 20, creditMs: 20, stackMs: 30, rejectMs: 20, resetMs: 200 } } : {}),
          ...(d.kind !== 'nv200'
            ? {
                payout: {
                  levels: hopper ? SIM_FLOAT.coins : SIM_FLOAT.notes,
                  ...(fast ? { timing: { itemMs: 20, cashboxMs: 20, takeNoteMs: 30 } } : {}),
                },
              }
            : {}),
        });
        const detach = sim.attach(simEnd);
        const shared = this.sspBus(`memory:${d.id}`, hostEnd);
        const release = shared.use();
        const options = { pollIntervalMs: this.poll, ...(d.accept ? { acceptValues: d.accept } : {}) };
        const host =
          d.kind === 'nv200'
            ? new SspValidator(shared.value, options)
            : d.kind === 'smart-payout'
              ? new SmartPayout(shared.value, options)
              : new SmartHopper(shared.value, options);
        return new EsspDevice({
          ...base,
          host,
          sim,
          release: async () => {
            await release();
            detach();
            sim.close();
            await closeEnds();
          },
        });
      }
      case 'bill-validator':
      case 'bill-to-bill': {
        const b2b = d.kind === 'bill-to-bill';
        const sim = new BillSimulator({
          kind: b2b ? 'b2b' : 'bill-validator',
          ...(b2b
            ? {
                cassettes: [
                  { type: 1, count: 10, capacity: 100, present: true },
                  { type: 2, count: 10, capacity: 100, present: true },
                  { type: 'ESCROW', count: 0, capacity: 20, present: true },
                ],
              }
            : {}),
        });
        const detach = sim.attach(simEnd);
        const shared = this.ccnetBus(`memory:${d.id}`, hostEnd);
        const release = shared.use();
        const options = { pollIntervalMs: this.poll };
        const host = b2b ? new BillToBill(shared.value, options) : new BillValidator(shared.value, options);
        return new CcnetBillDevice({
          ...base,
          host,
          sim,
          release: async () => {
            await release();
            detach();
            await closeEnds();
          },
        });
      }
      case 'coin-changer': {
        const sim = new CoinSimulator({
          tubes: { 0: { count: 20, capacity: 50 }, 1: { count: 20, capacity: 50 }, 2: { count: 20, capacity: 50 } },
        });
        const detach = sim.attach(simEnd);
        const shared = this.ccnetBus(`memory:${d.id}`, hostEnd);
        const release = shared.use();
        return new CcnetCoinDevice({
          ...base,
          host: new CoinChanger(shared.value, { pollIntervalMs: this.poll }),
          sim,
          release: async () => {
            await release();
            detach();
            await closeEnds();
          },
        });
      }
      case 'card-reader': {
        const sim = new CardReaderSimulator();
        const detach = sim.attach(simEnd);
        const shared = this.ccnetBus(`memory:${d.id}`, hostEnd);
        const release = shared.use();
        return new CcnetCardDevice({
          ...base,
          host: new CardReader(shared.value, { pollIntervalMs: this.poll }),
          sim,
          currency: d.currency ?? config.currency,
          release: async () => {
            await release();
            detach();
            await closeEnds();
          },
        });
      }
      case 'controllerbox': {
        const sim = new ControllerBoxSimulator({ statusIntervalMs: 5000, dispenseDelayMs: fast ? 20 : 150 });
        const detach = sim.attach(simEnd);
        const host = new ControllerBoxHost(hostEnd, { currency: d.currency ?? 'VND' });
        return new ControllerBoxDevice({
          ...base,
          host,
          sim,
          release: async () => {
            detach();
            sim.close();
            await closeEnds();
          },
        });
      }
    }
  }
}
