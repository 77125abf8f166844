/**
 * ControllerBox soak: the real ControllerBoxHost against the real box simulator (which resends an event that got no
 * answer), over the faulty line, with power cuts. Ground truth: the simulator's list of accepted bills; the
 * application is told by `billAccepted`. Events the box itself gave up on (no answer after its tries) or dropped at
 * a power cut are losses of the device, not of the host.
 */
import { ControllerBoxHost } from '../src/controllerbox/host.js';
import { ControllerBoxSimulator } from '../src/controllerbox/simulator/simulator.js';
import { createPrng } from '../src/transport/faults.js';
import { emptyRow, HangWatch, runFor, soakLine, Tally, type SoakConfig, type SoakRow } from './common.js';

/** Recovery bound: the longest dark period (30 s), offline after 3 s, reopen back-off up to 5 s, the set-up. */
const RECOVERY_MS = 90_000;
const VALUES = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000];

export async function soakControllerBox(config: SoakConfig): Promise<SoakRow[]> {
  const row = emptyRow('controllerbox', 'bills (box)');
  const { clock, host, device } = soakLine(config, 'controllerbox');
  const random = createPrng(config.seed ^ 0xb0c5);
  const sim = new ControllerBoxSimulator({ clock });
  const detach = sim.attach(device);
  const box = new ControllerBoxHost(host, { clock });
  const tally = new Tally();
  let changes = 0;
  const watch = new HangWatch(clock, RECOVERY_MS, () => changes);
  let billsSeen = 0;
  const syncTruth = (): void => {
    while (billsSeen < sim.state.bills.length) tally.given(sim.state.bills[billsSeen++] ?? -1);
  };
  box.on('billAccepted', (e) => {
    tally.reported(e.value.amount);
  });
  box.on('state', () => {
    changes++;
  });
  sim.on('command', () => {
    changes++;
  });
  sim.on('ack', () => {
    changes++;
  });
  box.on('problem', () => undefined);
  box.on('error', () => undefined);
  box.on('suspectFrame', () => undefined);
  sim.on('error', () => undefined);
  sim.on('frameError', () => undefined);
  if (process.env.SOAK_TRACE) {
    box.on('state', (to) => {
      console.log(clock.now(), 'host', to);
    });
    sim.on('command', (c) => {
      console.log(clock.now(), 'sim command', c.name);
    });
    const write = host.write.bind(host);
    host.write = (data) => {
      console.log(clock.now(), 'host writes', Buffer.from(data).toString('hex'), host.isOpen);
      return write(data);
    };
  }
  const ready = (): boolean => box.state === 'ready';

  let startError: unknown;
  box.start().catch((error: unknown) => {
    startError = error;
  });
  await runFor(clock, 30_000, 100, watch, ready);
  if (!ready()) throw new Error(`controllerbox soak: the host did not start (${String(startError)})`);
  host.enabled = true;

  const nextCutAt = (): number => (config.powerCutEvery > 0 ? Math.floor(config.powerCutEvery * (0.5 + random())) : 0);
  let cutIn = nextCutAt();
  for (let asked = 1; asked <= config.items; asked++) {
    // a customer inserts a bill while the box has power (the box takes it whether or not the host listens)
    const powered = await runFor(clock, RECOVERY_MS, 100, watch, () => sim.state.powered);
    if (!powered) {
      row.refused++;
      continue;
    }
    void sim.acceptBill(VALUES[Math.floor(random() * VALUES.length)] ?? VALUES[0] ?? 10_000);
    await runFor(clock, 2000 + Math.floor(random() * 1500), 100, watch);
    if (cutIn > 0 && --cutIn === 0) {
      cutIn = nextCutAt();
      void sim.powerCycle(500 + Math.floor(random() * 5000));
    }
    if (config.verbose && asked % 1000 === 0) {
      console.log(`controllerbox: ${String(asked)} items, t=${String(clock.now())} ms`);
    }
  }
  host.enabled = false;
  await runFor(clock, RECOVERY_MS, 100, watch);
  syncTruth();
  tally.powerCutDropped = sim.state.outbox.lostEvents;
  tally.settle(row);
  row.hangs = watch.hangs;
  if (config.verbose && watch.hangs > 0) console.log(`controllerbox: stalls from ${watch.stalls.join(', ')} ms`);
  await box.close();
  detach();
  sim.close();
  return [row];
}
