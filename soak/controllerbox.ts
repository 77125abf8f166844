/**
 * ControllerBox soak: the real ControllerBoxHost against the real box simulator (which resends an event that got no
 * answer), over the faulty line, with power cuts. Two kinds of items:
 * - bills: ground truth the simulator's list of accepted bills; the application is told by `billAccepted`;
 * - cards: the application calls `dispenseCard(tcd)` (resolved, refused, or a typed UNCERTAIN outcome), and staff
 *   take a card back now and then (CARD_EVENT callback); ground truth the cards that really left each dispenser and
 *   the callbacks made; the application is told by `cardEvent` (requested or not: a card the box ran from a damaged
 *   answer frame is reported too, see docs/controllerbox.md).
 * Events the box itself gave up on (no answer after its tries), dropped at a power cut, or never sent because the
 * power went while a card was moving are losses of the device, not of the host.
 */
import { ControllerBoxHost, UncertainOutcomeError } from '../src/controllerbox/host.js';
import { ControllerBoxSimulator } from '../src/controllerbox/simulator/simulator.js';
import { createPrng } from '../src/transport/faults.js';
import { emptyRow, HangWatch, runFor, soakLine, Tally, type SoakConfig, type SoakRow } from './common.js';

/** Recovery bound: the longest dark period (30 s), offline after 3 s, reopen back-off up to 5 s, the set-up. */
const RECOVERY_MS = 90_000;
const VALUES = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000];
const TCDS = 2;

/** What the soak's application saw of its dispenses. */
interface Dispenses {
  asked: number;
  /** Resolved per TCD: the box said success or the card event confirmed it. */
  confirmed: number[];
  uncertain: number;
  refused: number;
  /** Calls not settled yet. */
  open: number;
}

export async function soakControllerBox(config: SoakConfig): Promise<SoakRow[]> {
  const bills = emptyRow('controllerbox', 'bills (box)');
  const cards = emptyRow('controllerbox', 'cards (box)');
  const { clock, host, device } = soakLine(config, 'controllerbox');
  const random = createPrng(config.seed ^ 0xb0c5);
  const sim = new ControllerBoxSimulator({ clock, tcds: TCDS, cardsPerTcd: 1_000_000 });
  const detach = sim.attach(device);
  const box = new ControllerBoxHost(host, { clock, tcds: TCDS });
  const billTally = new Tally();
  const cardTally = new Tally();
  const callbacks = Array.from({ length: TCDS }, () => 0);
  const dispenses: Dispenses = { asked: 0, confirmed: [0, 0], uncertain: 0, refused: 0, open: 0 };
  let changes = 0;
  const watch = new HangWatch(clock, RECOVERY_MS, () => changes);
  box.on('billAccepted', (e) => {
    billTally.reported(e.value.amount);
  });
  const cardsTold = new Map<string, number>();
  box.on('cardEvent', (e) => {
    const key = `${e.direction}:${String(e.tcd)}`;
    cardTally.reported(key);
    cardsTold.set(key, (cardsTold.get(key) ?? 0) + 1);
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
  for (const name of ['problem', 'error', 'suspectFrame', 'uncertain', 'unknown', 'duplicate'] as const) {
    box.on(name, () => undefined);
  }
  sim.on('error', () => undefined);
  sim.on('frameError', () => undefined);
  if (process.env.SOAK_TRACE) trace(clock, box, sim, host);
  const ready = (): boolean => box.state === 'ready';

  let startError: unknown;
  box.start().catch((error: unknown) => {
    startError = error;
  });
  await runFor(clock, 30_000, 100, watch, ready);
  if (!ready()) throw new Error(`controllerbox soak: the host did not start (${String(startError)})`);
  host.enabled = true;

  const dispense = (tcd: number): void => {
    dispenses.asked++;
    dispenses.open++;
    box.dispenseCard(tcd).then(
      () => {
        dispenses.open--;
        dispenses.confirmed[tcd] = (dispenses.confirmed[tcd] ?? 0) + 1;
      },
      (error: unknown) => {
        dispenses.open--;
        if (error instanceof UncertainOutcomeError) dispenses.uncertain++;
        else dispenses.refused++;
      },
    );
  };

  const nextCutAt = (): number => (config.powerCutEvery > 0 ? Math.floor(config.powerCutEvery * (0.5 + random())) : 0);
  let cutIn = nextCutAt();
  for (let asked = 1; asked <= config.items; asked++) {
    // a customer inserts a bill while the box has power (the box takes it whether or not the host listens)
    const powered = await runFor(clock, RECOVERY_MS, 100, watch, () => sim.state.powered);
    if (!powered) {
      bills.refused++;
      continue;
    }
    void sim.acceptBill(VALUES[Math.floor(random() * VALUES.length)] ?? VALUES[0] ?? 10_000);
    // every third customer buys a card; now and then staff take a dispensed card back
    const tcd = Math.floor(random() * TCDS);
    if (asked % 3 === 0) dispense(tcd);
    else if (asked % 17 === 0 && sim.state.powered && sim.state.cardsOut > 0) {
      callbacks[tcd] = (callbacks[tcd] ?? 0) + 1;
      void sim.callbackCard(tcd);
    }
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

  for (const value of sim.state.bills) billTally.given(value);
  billTally.powerCutDropped = sim.state.outbox.lostByName['BILL_ACCEPTED'] ?? 0;
  billTally.settle(bills);
  bills.hangs = watch.hangs;

  for (let t = 0; t < TCDS; t++) {
    for (let i = 0; i < (sim.state.dispensed[t] ?? 0); i++) cardTally.given(`out:${String(t)}`);
    for (let i = 0; i < (callbacks[t] ?? 0); i++) cardTally.given(`callback:${String(t)}`);
    // a dispense the application was told succeeded, with no card out of that TCD, is a card reported that never was
    cards.doubled += Math.max(0, (dispenses.confirmed[t] ?? 0) - (sim.state.dispensed[t] ?? 0));
  }
  cardTally.powerCutDropped = (sim.state.outbox.lostByName['CARD_EVENT'] ?? 0) + sim.state.cardEventsLost;
  cardTally.settle(cards);
  // a card whose dispense the host reported `uncertain` is in doubt, not lost by the host
  cards.uncertain = dispenses.uncertain;
  cards.lostHost = Math.max(0, cards.lostHost - dispenses.uncertain);
  cards.refused = dispenses.refused;
  // a dispense call that never settled is a hang
  cards.hangs = dispenses.open;
  if (config.verbose) {
    const truth = sim.state.dispensed.map(
      (n, t) => `out:${String(t)} ${String(n)}/${String(cardsTold.get(`out:${String(t)}`) ?? 0)}`,
    );
    const back = callbacks.map(
      (n, t) => `callback:${String(t)} ${String(n)}/${String(cardsTold.get(`callback:${String(t)}`) ?? 0)}`,
    );
    console.log(
      `controllerbox cards (taken/told): ${[...truth, ...back].join(', ')}; confirmed ${dispenses.confirmed.join('/')}`,
    );
  }
  if (config.verbose && watch.hangs > 0) console.log(`controllerbox: stalls from ${watch.stalls.join(', ')} ms`);
  await box.close();
  detach();
  sim.close();
  return [bills, cards];
}

function trace(
  clock: { now(): number },
  box: ControllerBoxHost,
  sim: ControllerBoxSimulator,
  host: { write(data: Uint8Array): Promise<void>; isOpen: boolean },
): void {
  box.on('state', (to) => {
    console.log(clock.now(), 'host', to);
  });
  sim.on('command', (c) => {
    console.log(clock.now(), 'sim command', c.name, JSON.stringify(c.message));
  });
  box.on('cardEvent', (e) => {
    console.log(clock.now(), 'host cardEvent', e.tcd, e.direction, e.requested, e.raw);
  });
  box.on('duplicate', (e) => {
    console.log(clock.now(), 'host duplicate', e.name, e.raw, e.sinceMs);
  });
  sim.on('ack', (e) => {
    console.log(clock.now(), 'sim ack', e.id.toString(16), e.result);
  });
  box.on('uncertain', (o) => {
    console.log(clock.now(), 'host uncertain', JSON.stringify(o));
  });
  const write = host.write.bind(host);
  host.write = (data) => {
    console.log(clock.now(), 'host writes', Buffer.from(data).toString('hex'), host.isOpen);
    return write(data);
  };
}
