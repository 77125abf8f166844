/** eSSP devices of the service (NV200, SMART Payout, SMART Hopper): one `SspBus` per port, or a simulator each. */
import { ESSP_SERIAL_DEFAULTS, SmartHopper, SmartPayout, SspBus, SspValidator } from '../essp/index.js';
import { SspSimulator } from '../essp/simulator/index.js';
import type { Transport } from '../transport/types.js';
import {
  adapterBase,
  sharedBus,
  simulatorOnPair,
  SIM_FLOAT,
  type BuildContext,
  type ProtocolBuilder,
  type Shared,
} from './build-shared.js';
import type { DeviceConfig } from './config.js';
import { EsspDevice } from './devices/essp.js';

function keyOf(hex: string | undefined): bigint | undefined {
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}

function busOf(ctx: BuildContext, port: string, transport?: Transport): Shared<SspBus> {
  return sharedBus(ctx, 'essp', port, ESSP_SERIAL_DEFAULTS, (t) => new SspBus(t), transport);
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
    return new EsspDevice({ ...adapterBase(d, false, release), host });
  },

  simulated(d, ctx) {
    const fast = ctx.fast;
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
    const link = simulatorOnPair(ctx, d.id, sim);
    const shared = busOf(ctx, `memory:${d.id}`, link.hostEnd);
    const release = link.release(shared.use());
    const options = { pollIntervalMs: ctx.pollIntervalMs, ...(d.accept ? { acceptValues: d.accept } : {}) };
    const host = hostOf(d, shared.value, options);
    return new EsspDevice({ ...adapterBase(d, true, release), host, sim });
  },
};
