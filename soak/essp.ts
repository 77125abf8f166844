/**
 * eSSP soak: the real SspValidator on the real SspBus against the real NV200 simulator, over the faulty line, with
 * power cuts. Ground truth: the simulator's CREDIT_NOTE and NOTE_CLEARED_TO_CASHBOX events; the application is told
 * by `credit` and `noteCleared` (to the cashbox).
 */
import { SspBus } from '../src/essp/bus.js';
import { SspValidator } from '../src/essp/devices/validator.js';
import { SspSimulator } from '../src/essp/simulator/simulator.js';
import { createPrng } from '../src/transport/faults.js';
import { soakEsspPayout } from './essp-payout.js';
import { emptyRow, HangWatch, runFor, soakLine, Tally, type SoakConfig, type SoakRow } from './common.js';

/** Recovery bound: the longest dark period (30 s), a request given up after its retries (21 s), reopen back-off. */
const RECOVERY_MS = 90_000;

export async function soakEssp(config: SoakConfig): Promise<SoakRow[]> {
  const row = emptyRow('essp', 'notes (NV200)');
  const { clock, host, device } = soakLine(config, 'essp');
  const random = createPrng(config.seed ^ 0x5eed);
  const sim = new SspSimulator({ device: 'nv200', clock, replyLatencyMs: 0, random });
  const detach = sim.attach(device);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const bus = new SspBus(host, { clock, random: bytes });
  const validator = new SspValidator(bus, { clock });
  const tally = new Tally();
  let changes = 0;
  const watch = new HangWatch(clock, RECOVERY_MS, () => bus.stats.exchanges + changes);
  sim.on('event', (e) => {
    if (e.name === 'CREDIT_NOTE' || e.name === 'NOTE_CLEARED_TO_CASHBOX') tally.given(e.channel ?? 0);
  });
  validator.on('credit', (n) => {
    tally.reported(n.channel);
  });
  validator.on('noteCleared', (n) => {
    if (n.to === 'cashbox') tally.reported(n.channel);
  });
  validator.on('error', () => undefined);
  // ack-type events after an EVENT_ACK whose answer was lost: repeats or new identical notes, the host cannot tell
  validator.on('repeatInDoubt', ({ events }) => {
    for (const e of events) {
      if (e.name !== 'CREDIT_NOTE' && e.name !== 'NOTE_CLEARED_TO_CASHBOX') continue;
      row.uncertain++;
      tally.doubted++;
    }
  });
  if (process.env.SOAK_TRACE) {
    sim.on('note', (m) => {
      console.log(clock.now(), 'sim:', m);
    });
    sim.on('command', (c) => {
      if (!c.name.startsWith('POLL')) console.log(clock.now(), 'sim cmd', c.name, c.replayed);
    });
    validator.on('state', (to) => {
      console.log(clock.now(), 'host', to);
    });
    validator.on('disabled', () => {
      console.log(clock.now(), 'host: disabled event');
    });
  }
  validator.on('state', () => {
    changes++;
  });
  const ready = (): boolean => validator.state === 'ready';

  const started = validator.start();
  let startError: unknown;
  started.catch((error: unknown) => {
    startError = error;
  });
  await runFor(clock, 30_000, 100, watch, ready);
  if (!ready()) throw new Error(`essp soak: the validator did not start (${String(startError)})`);
  host.enabled = true;

  const channels = sim.state.validator.inhibits.length;
  const nextCutAt = (): number => (config.powerCutEvery > 0 ? Math.floor(config.powerCutEvery * (0.5 + random())) : 0);
  let cutIn = nextCutAt();
  let asked = 0;
  while (asked < config.items) {
    // wait (bounded) until the device would draw a note in
    await runFor(
      clock,
      RECOVERY_MS,
      100,
      watch,
      () => sim.state.enabled && sim.state.validator.note === undefined && ready(),
    );
    const channel = 1 + Math.floor(random() * channels);
    sim.setCashboxLevel(0); // the cashbox is emptied as often as needed
    const result = sim.insertNote(channel);
    asked++;
    if (!result.taken) {
      row.refused++;
      if (config.verbose)
        console.log(`essp: not taken at ${String(clock.now())} ms: ${result.reason} (host ${validator.state})`);
    }
    await runFor(clock, 2500 + Math.floor(random() * 1500), 100, watch);
    if (cutIn > 0 && --cutIn === 0) {
      cutIn = nextCutAt();
      const s = sim.state;
      tally.powerCutDropped += [...s.pendingEvents, ...s.awaitingAck].filter((e) => e.name === 'CREDIT_NOTE').length;
      sim.powerCycle({ offMs: 500 + Math.floor(random() * 5000) });
    }
    if (config.verbose && asked % 1000 === 0) console.log(`essp: ${String(asked)} items, t=${String(clock.now())} ms`);
  }
  // let the last note finish and every event reach the host, on a clean line
  host.enabled = false;
  await runFor(clock, RECOVERY_MS, 100, watch);
  tally.settle(row);
  row.hangs = watch.hangs;
  await validator.close();
  await bus.close();
  detach();
  sim.close();
  // the payout devices: half as many items each (a third of them payouts)
  const payoutConfig = { ...config, items: Math.max(3, Math.round(config.items / 2)) };
  const payout = await soakEsspPayout(payoutConfig, 'smart-payout');
  const hopper = await soakEsspPayout(payoutConfig, 'smart-hopper');
  return [row, ...payout, ...hopper];
}
