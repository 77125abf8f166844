/**
 * CCNET soak: the real BillValidator on the real CcnetBus against the real bill-validator simulator, over the faulty
 * line, with power cuts when the simulator has `powerCycle()`. Ground truth: the simulator's ledger of stacked bills;
 * the application is told by `credit`, and by `billAtPowerUp` / `uncertain` where the host cannot know (counted as
 * uncertain, not as reported).
 */
import { CcnetBus } from '../src/ccnet/bus.js';
import { BillValidator } from '../src/ccnet/devices/bill.js';
import { BillSimulator } from '../src/ccnet/simulator/bill.js';
import { createPrng } from '../src/transport/faults.js';
import { emptyRow, HangWatch, runFor, soakLine, Tally, type SoakConfig, type SoakRow } from './common.js';

/** Recovery bound: the longest dark period (30 s), the non-response time (5 s), RESET every 10 s, the start-up. */
const RECOVERY_MS = 90_000;

export async function soakCcnet(config: SoakConfig): Promise<SoakRow[]> {
  const row = emptyRow('ccnet', 'bills (validator)');
  const { clock, host, device } = soakLine(config, 'ccnet');
  const random = createPrng(config.seed ^ 0xcc0e7);
  const sim = new BillSimulator({ clock });
  const detach = sim.attach(device);
  const bus = new CcnetBus(host, { clock });
  const bv = new BillValidator(bus, { pollIntervalMs: 200 });
  const tally = new Tally();
  let changes = 0;
  const watch = new HangWatch(clock, RECOVERY_MS, () => changes);
  let stackedSeen = 0;
  const syncTruth = (): void => {
    // the ledger only grows: each new entry is one bill the device took
    while (stackedSeen < sim.stackedBills.length) tally.given(sim.stackedBills[stackedSeen++] ?? -1);
  };
  bv.on('credit', (c) => {
    tally.reported(c.billType);
  });
  bv.on('billAtPowerUp', () => {
    row.uncertain++;
  });
  bv.on('uncertain', () => {
    row.uncertain++;
  });
  bv.on('state', () => {
    changes++;
  });
  bv.on('lifecycle', () => {
    changes++;
  });
  bv.on('problem', () => undefined);
  bus.link.on('frame', (direction) => {
    if (direction === 'rx') changes++;
  });
  if (process.env.SOAK_TRACE) {
    bv.on('lifecycle', (to) => {
      console.log(clock.now(), 'host', to);
    });
    bv.on('state', (s) => {
      console.log(clock.now(), 'state', s.name);
    });
  }
  const ready = (): boolean => bv.loop.state === 'ready';
  // power cuts where the simulator has them (feature-detected)
  const withPower = sim as unknown as { powerCycle?: (offMs: number) => void };
  const powerCycle = withPower.powerCycle?.bind(sim);

  const started = (async () => {
    await bv.initialize();
    await bv.enable();
    await bv.run();
  })();
  let startError: unknown;
  started.catch((error: unknown) => {
    startError = error;
  });
  await runFor(clock, 30_000, 100, watch, ready);
  if (!ready()) throw new Error(`ccnet soak: the bill validator did not start (${String(startError)})`);
  host.enabled = true;

  const types = [0, 1, 2, 3, 4, 5, 6];
  const nextCutAt = (): number => (config.powerCutEvery > 0 ? Math.floor(config.powerCutEvery * (0.5 + random())) : 0);
  let cutIn = nextCutAt();
  let asked = 0;
  while (asked < config.items) {
    const type = types[Math.floor(random() * types.length)] ?? 0;
    // the customer tries again until the device draws the bill in (bounded)
    const taken = await runFor(clock, RECOVERY_MS, 100, watch, () => sim.insertBill(type));
    asked++;
    if (!taken) row.refused++;
    await runFor(clock, 2000 + Math.floor(random() * 1500), 100, watch);
    syncTruth();
    if (powerCycle && cutIn > 0 && --cutIn === 0) {
      cutIn = nextCutAt();
      // what the device took and the host has not reported yet may go with the power (device events not kept)
      syncTruth();
      tally.powerCutDropped += Math.max(0, stackedSeen - tally.reportedCount);
      powerCycle(500 + Math.floor(random() * 5000));
    }
    if (config.verbose && asked % 1000 === 0) {
      console.log(`ccnet: ${String(asked)} items, t=${String(clock.now())} ms`);
    }
  }
  host.enabled = false;
  await runFor(clock, RECOVERY_MS, 100, watch);
  syncTruth();
  tally.settle(row);
  row.hangs = watch.hangs;
  await bv.halt();
  detach();
  return [row];
}
