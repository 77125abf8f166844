/** CCNET devices of the service (bill validator, Bill-to-Bill, coin changer, card reader): one `CcnetBus` per port. */
import { BillToBill, BillValidator, CardReader, CCNET_SERIAL_DEFAULTS, CcnetBus, CoinChanger } from '../ccnet/index.js';
import { BillSimulator, CardReaderSimulator, CoinSimulator } from '../ccnet/simulator/index.js';
import type { Transport } from '../transport/types.js';
import {
  adapterBase,
  sharedBus,
  simulatorOnPair,
  type BuildContext,
  type ProtocolBuilder,
  type Shared,
} from './build-shared.js';
import type { DeviceConfig } from './config.js';
import { CcnetBillDevice } from './devices/ccnet.js';
import { CcnetCardDevice } from './devices/ccnet-card.js';
import { CcnetCoinDevice } from './devices/ccnet-coin.js';
import type { ServiceDevice } from './devices/types.js';

function busOf(ctx: BuildContext, port: string, transport?: Transport): Shared<CcnetBus> {
  return sharedBus(ctx, 'ccnet', port, CCNET_SERIAL_DEFAULTS, (t) => new CcnetBus(t), transport);
}

/** The host and adapter of one CCNET device on `bus`; `sim` and `release` as given. */
function deviceOf(
  d: DeviceConfig,
  ctx: BuildContext,
  bus: CcnetBus,
  options: { pollIntervalMs: number; address?: number },
  extra: {
    simulated: boolean;
    release: () => Promise<void>;
    sim?: BillSimulator | CoinSimulator | CardReaderSimulator;
  },
): ServiceDevice {
  const base = adapterBase(d, extra.simulated, extra.release);
  switch (d.kind) {
    case 'coin-changer':
      return new CcnetCoinDevice({
        ...base,
        host: new CoinChanger(bus, options),
        ...(extra.sim instanceof CoinSimulator ? { sim: extra.sim } : {}),
      });
    case 'card-reader':
      return new CcnetCardDevice({
        ...base,
        host: new CardReader(bus, options),
        currency: d.currency ?? ctx.config.currency,
        ...(extra.sim instanceof CardReaderSimulator ? { sim: extra.sim } : {}),
      });
    default: {
      const host = d.kind === 'bill-to-bill' ? new BillToBill(bus, options) : new BillValidator(bus, options);
      return new CcnetBillDevice({
        ...base,
        host,
        ...(extra.sim instanceof BillSimulator ? { sim: extra.sim } : {}),
      });
    }
  }
}

/** The service's simulators leave INITIALIZE after one POLL (a real device takes seconds), so `serve --simulate` starts fast. */
function simulatorOf(d: DeviceConfig): BillSimulator | CoinSimulator | CardReaderSimulator {
  switch (d.kind) {
    case 'coin-changer':
      return new CoinSimulator({
        initializePolls: 0,
        tubes: { 0: { count: 20, capacity: 50 }, 1: { count: 20, capacity: 50 }, 2: { count: 20, capacity: 50 } },
      });
    case 'card-reader':
      return new CardReaderSimulator();
    case 'bill-to-bill':
      return new BillSimulator({
        kind: 'b2b',
        initializePolls: 1,
        cassettes: [
          { type: 1, count: 10, capacity: 100, present: true },
          { type: 2, count: 10, capacity: 100, present: true },
          { type: 'ESCROW', count: 0, capacity: 20, present: true },
        ],
      });
    default:
      return new BillSimulator({ kind: 'bill-validator', initializePolls: 1 });
  }
}

export const ccnetBuilder: ProtocolBuilder = {
  real(d, ctx) {
    const shared = busOf(ctx, d.port);
    const options = { pollIntervalMs: ctx.pollIntervalMs, ...(d.address !== undefined ? { address: d.address } : {}) };
    return deviceOf(d, ctx, shared.value, options, { simulated: false, release: shared.use() });
  },

  simulated(d, ctx) {
    const sim = simulatorOf(d);
    const link = simulatorOnPair(ctx, d.id, sim);
    const shared = busOf(ctx, `memory:${d.id}`, link.hostEnd);
    const release = link.release(shared.use());
    return deviceOf(d, ctx, shared.value, { pollIntervalMs: ctx.pollIntervalMs }, { simulated: true, sim, release });
  },
};
