/** eSSP devices of the service (NV200, SMART Payout, SMART Hopper): one `SspBus` per port, or a simulator each. */
import { ESSP_SERIAL_DEFAULTS, SmartHopper, SmartPayout, SspBus, SspValidator } from '../essp/index.js';
import { SspSimulator } from '../essp/simulator/index.js';
import type { Transport } from '../transport/types.js';
import { Shared, SIM_FLOAT, type BuildContext, type ProtocolBuilder } from './build-shared.js';
import type { DeviceConfig } from './config.js';
import { EsspDevice } from './devices/essp.js';

function keyOf(hex: string | undefined): bigint | undefined {
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}

function busOf(ctx: BuildContext, port: string, transport?: Transport): Shared<SspBus> {
  return ctx.shared('essp', port, () => {
    const t = transport ?? ctx.transport(port, ESSP_SERIAL_DEFAULTS);
    const bus = new SspBus(t);
    return new Shared(bus, async () => {
      await bus.close();
      await t.close();
    });
  });
}

type HostOptions = ConstructorParameters<typeof SspValidator>[1] & ConstructorParameters<typeof SmartPayout>[1];

function hostOf(d: DeviceConfig, bus: SspBus, options: HostOptions): SspValidator | SmartPayout | SmartHopper {
  return d.kind === 'nv200'
    ? new SspValidator(bus, options)
    : d.kind === 'smart-payout'
      ? new SmartPayout(bus, options)
      : new SmartHopper(bus, options);
}

export const esspBuilder: ProtocolBuilder = {
  real(d, ctx) {
    const fixedKey = keyOf(d.fixedKey);
    const options = {
      pollIntervalMs: ctx.pollIntervalMs,
      ...(d.address !== undefined ? { address: d.address } : {}),
      ...(fixedKey !== undefined ? { fixedKey } : {}),
      ...(d.accept ? { acceptValues: d.accept } : {}),
    };
    const shared = busOf(ctx, d.port);
    const release = shared.use();
    const host = hostOf(d, shared.value, options);
    return new EsspDevice({ id: d.id, kind: d.kind, simulated: false, enable: d.enabled ?? true, host, release });
  },

  simulated(d, ctx) {
    const fast = ctx.fast;
    const pair = ctx.memoryPair(d.id);
    const kind = d.kind;
    if (kind !== 'nv200' && kind !== 'smart-payout' && kind !== 'smart-hopper') throw new Error(`${kind} is not eSSP`);
    const hopper = kind === 'smart-hopper';
    const sim = new SspSimulator({
      device: kind,
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
    const detach = sim.attach(pair.simEnd);
    const shared = busOf(ctx, `memory:${d.id}`, pair.hostEnd);
    const release = shared.use();
    const options = { pollIntervalMs: ctx.pollIntervalMs, ...(d.accept ? { acceptValues: d.accept } : {}) };
    const host = hostOf(d, shared.value, options);
    return new EsspDevice({
      id: d.id,
      kind: d.kind,
      simulated: true,
      enable: d.enabled ?? true,
      host,
      sim,
      release: async () => {
        await release();
        detach();
        sim.close();
        await pair.close();
      },
    });
  },
};
