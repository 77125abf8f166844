/**
 * eSSP payout soak: the real payout facades (SMART Payout: notes in, amounts out; SMART Hopper: coins in, amounts
 * out) on the real SspBus against the real simulators, over the faulty line, with power cuts (some in the middle of
 * a payout). Ground truth: the simulator's own books (the value it really gave the customer, `paidOut`) and the
 * PAYOUT_AMOUNT commands it really ran; the application is told by the payout outcome (`dispensed`, `halted`,
 * `timeout`, `incompletePayout`) or, when the wire could not tell, by an UNCERTAIN rejection and its `uncertain`
 * event with what the device reported paying.
 *
 * Per payout call: `doubled` when the device ran PAYOUT_AMOUNT more than once or paid more than asked; `lost
 * (host)` when the device paid something the application was not told (no outcome, a refusal, or a wrong amount);
 * `uncertain` for each in-doubt call (its stated amount must match the truth when the host says the device ran it).
 */
import { isKioskbusError, ErrorCode } from '../src/core/errors.js';
import { SspBus } from '../src/essp/bus.js';
import type { PayoutDevice, PayoutOutcome, PayoutUncertainty } from '../src/essp/devices/payout-common.js';
import { SmartHopper } from '../src/essp/devices/smart-hopper.js';
import { SmartPayout } from '../src/essp/devices/smart-payout.js';
import { hopperOf, payoutOf } from '../src/essp/simulator/payout/index.js';
import { SspSimulator } from '../src/essp/simulator/simulator.js';
import { createPrng } from '../src/transport/faults.js';
import { emptyRow, HangWatch, runFor, soakLine, Tally, type SoakConfig, type SoakRow } from './common.js';

/** Recovery bound: the longest dark period (30 s), a request given up after its retries (21 s), reopen back-off. */
const RECOVERY_MS = 90_000;
/** How long an application waits for the end of a payout it started (or for the `uncertain` event). */
const OUTCOME_MS = 240_000;

type Kind = 'smart-payout' | 'smart-hopper';

/** Events that end a payout (the application's outcome). */
const FINAL = new Set(['DISPENSED', 'HALTED', 'TIME_OUT', 'INCOMPLETE_PAYOUT']);

interface PayoutCall {
  amount: number;
  state: 'pending' | 'accepted' | 'refused' | 'uncertain';
  outcome?: PayoutOutcome;
  doubt?: PayoutUncertainty;
  error?: string;
}

/** One payout device's soak: a row of pay-ins (notes or coins) and a row of payouts. */
export async function soakEsspPayout(config: SoakConfig, kind: Kind): Promise<SoakRow[]> {
  const hopper = kind === 'smart-hopper';
  const name = hopper ? 'SMART Hopper' : 'SMART Payout';
  const payIns = emptyRow('essp', hopper ? `coins in (${name})` : `notes in (${name})`);
  const payouts = emptyRow('essp', `payouts (${name})`);
  const { clock, host, device } = soakLine(config, `essp-${kind}`);
  const random = createPrng(config.seed ^ (hopper ? 0x4099e5 : 0x9a9047));
  const levels = hopper
    ? [10, 20, 50, 100, 200].map((value) => ({ value, count: 300 }))
    : [
        { value: 500, count: 20 },
        { value: 1000, count: 20 },
        { value: 2000, count: 10 },
      ];
  const sim = new SspSimulator({
    device: kind,
    clock,
    replyLatencyMs: 0,
    random,
    // the SMART Hopper disables itself after 5 s without a command (GA973 §7.4)
    ...(hopper ? { watchdogMs: 5000 } : {}),
    payout: { levels, capacity: hopper ? 100_000 : 80 },
  });
  const detach = sim.attach(device);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const bus = new SspBus(host, { clock, random: bytes });
  const dev: PayoutDevice = hopper ? new SmartHopper(bus, { clock, coinMech: true }) : new SmartPayout(bus, { clock });
  const engine = payoutOf(sim);
  const paidOut = (): number => engine.accounting().currencies.reduce((sum, a) => sum + a.paidOut, 0);
  const tally = new Tally();
  let changes = 0;
  let executions = 0;
  const watch = new HangWatch(clock, RECOVERY_MS, () => bus.stats.exchanges + changes);
  sim.on('event', (e) => {
    if (e.name === 'CREDIT_NOTE' || e.name === 'NOTE_CLEARED_TO_CASHBOX') tally.given(`note ${String(e.channel ?? 0)}`);
    if (e.event?.name === 'COIN_CREDIT') tally.given(`coin ${String(e.event.value.value)}`);
  });
  sim.on('command', (c) => {
    if (c.name === 'PAYOUT_AMOUNT' && !c.replayed && c.reply === 0xf0) executions++;
  });
  dev.on('credit', (n) => {
    tally.reported(`note ${String(n.channel)}`);
  });
  dev.on('noteCleared', (n) => {
    if (n.to === 'cashbox') tally.reported(`note ${String(n.channel)}`);
  });
  dev.on('coinCredit', (c) => {
    tally.reported(`coin ${String(c.value)}`);
  });
  dev.on('error', () => undefined);
  // ack-type events after an EVENT_ACK whose answer was lost: repeats or new identical ones, the host cannot tell
  let finalInDoubt = false;
  dev.on('repeatInDoubt', ({ events }) => {
    for (const e of events) {
      if (FINAL.has(e.name)) finalInDoubt = true;
      if (e.name !== 'CREDIT_NOTE' && e.name !== 'NOTE_CLEARED_TO_CASHBOX' && e.name !== 'COIN_CREDIT') continue;
      payIns.uncertain++;
      tally.doubted++;
    }
  });
  dev.on('state', () => {
    changes++;
  });
  const trace = process.env.SOAK_TRACE !== undefined;
  if (trace) {
    sim.on('note', (m) => {
      console.log(clock.now(), `${kind} sim:`, m);
    });
    dev.on('state', (to) => {
      console.log(clock.now(), `${kind} host`, to);
    });
    dev.on('event', (e) => {
      if (e.name !== 'DISABLED') console.log(clock.now(), `${kind} host event`, e.name);
    });
    dev.on('reinitialising', (r) => {
      console.log(clock.now(), `${kind} host reinitialising`, r.reason);
    });
    sim.on('command', (c) => {
      if (!c.name.startsWith('POLL')) console.log(clock.now(), `${kind} sim cmd`, c.name, c.replayed, c.reply);
    });
  }
  const ready = (): boolean => dev.state === 'ready';
  const started = dev.start();
  let startError: unknown;
  started.catch((error: unknown) => {
    startError = error;
  });
  await runFor(clock, 60_000, 100, watch, ready);
  if (!ready()) throw new Error(`essp ${kind} soak: the device did not start (${String(startError)})`);
  host.enabled = true;

  const channels = sim.state.validator.inhibits.length;
  const coins = [10, 20, 50, 100, 200];
  const nextCutAt = (): number => (config.powerCutEvery > 0 ? Math.floor(config.powerCutEvery * (0.5 + random())) : 0);
  let cutIn = nextCutAt();
  /** A payout's final event (DISPENSED, ...) the device still held when its power went: it forgot it. */
  let finalDropped = false;
  const powerCut = (): void => {
    const s = sim.state;
    finalDropped ||= [...s.pendingEvents, ...s.awaitingAck].some((e) => FINAL.has(e.name));
    tally.powerCutDropped += [...s.pendingEvents, ...s.awaitingAck].filter(
      (e) => e.name === 'CREDIT_NOTE' || e.name === 'COIN_CREDIT',
    ).length;
    sim.powerCycle({ offMs: 500 + Math.floor(random() * 5000) });
  };
  let cutDuringPayout = false;
  for (let item = 0; item < config.items; item++) {
    const due = cutIn > 0 && --cutIn === 0;
    if (due) cutIn = nextCutAt();
    await runFor(clock, RECOVERY_MS, 100, watch, () => ready() && !engine.busy() && sim.state.enabled);
    if (item % 3 !== 2) {
      // a pay-in: a note into the SMART Payout, a coin into the hopper's coin mech
      const result = hopper
        ? hopperOf(sim).insertCoin(coins[Math.floor(random() * coins.length)] ?? 100)
        : sim.insertNote(1 + Math.floor(random() * channels));
      if (!result.taken) payIns.refused++;
      await runFor(clock, 2500 + Math.floor(random() * 1500), 100, watch);
      if (due) powerCut();
      continue;
    }
    // a payout the device can make from its store
    const unit = hopper ? 10 : 500;
    const stored = engine.storedValue();
    const amount = unit * (1 + Math.floor(random() * Math.min(20, Math.max(1, Math.floor(stored / unit / 4)))));
    if (due) {
      // the power goes in the middle of this payout (or just before, or after: whenever the timer falls)
      cutDuringPayout = true;
      clock.setTimeout(powerCut, Math.floor(random() * 3000));
    }
    await payoutOnce(amount);
    cutDuringPayout = false;
    finalDropped = false;
    finalInDoubt = false;
  }
  // let everything settle on a clean line
  host.enabled = false;
  await runFor(clock, RECOVERY_MS, 100, watch);
  tally.settle(payIns);
  payIns.hangs = watch.hangs;
  await dev.close();
  await bus.close();
  detach();
  sim.close();
  return [payIns, payouts];

  async function payoutOnce(amount: number): Promise<void> {
    const before = paidOut();
    const execBefore = executions;
    const call: PayoutCall = { amount, state: 'pending' };
    const onDoubt = (info: PayoutUncertainty): void => {
      call.doubt = info;
    };
    dev.on('uncertain', onDoubt);
    const stop = new AbortController();
    dev.payoutOutcome(stop.signal).then(
      (o) => {
        call.outcome = o;
      },
      () => undefined,
    );
    dev.payout(amount).then(
      () => {
        call.state = 'accepted';
      },
      (error: unknown) => {
        call.state = isKioskbusError(error, ErrorCode.Uncertain) ? 'uncertain' : 'refused';
        call.error = error instanceof Error ? error.message : String(error);
      },
    );
    await runFor(clock, RECOVERY_MS, 100, watch, () => call.state !== 'pending');
    if (call.state === 'accepted') await runFor(clock, OUTCOME_MS, 100, watch, () => call.outcome !== undefined);
    if (call.state === 'uncertain') await runFor(clock, OUTCOME_MS, 100, watch, () => call.doubt !== undefined);
    // the device finishes whatever it does, and the books settle
    await runFor(clock, OUTCOME_MS, 100, watch, () => !engine.busy());
    await runFor(clock, 1000, 100, watch);
    dev.off('uncertain', onDoubt);
    stop.abort();
    const truth = paidOut() - before;
    const ran = executions - execBefore;
    if (ran > 0 || truth > 0) payouts.items++;
    if (ran > 1 || truth > amount) payouts.doubled++;
    let wrong = false;
    switch (call.state) {
      case 'accepted':
        // no outcome: the device forgot the final event at a power cut (lost by the device), or the host said it
        // could not tell it from a repeat (repeatInDoubt), else the host lost it
        if (call.outcome === undefined && finalInDoubt) payouts.uncertain++;
        if (call.outcome === undefined) wrong = !finalDropped && !finalInDoubt;
        else if (call.outcome.paid !== truth) wrong = true;
        else payouts.reported++;
        if (call.outcome === undefined && !wrong && !finalInDoubt) payouts.lostPowerCut++;
        break;
      case 'uncertain': {
        payouts.uncertain++;
        const doubt = call.doubt;
        // the host said what the device reported: it must be what the device really paid
        if (doubt?.finding === 'ran' && doubt.paid !== undefined && doubt.paid !== truth) wrong = true;
        if (doubt?.finding === 'not-seen' && truth > 0 && !cutDuringPayout) wrong = true;
        break;
      }
      case 'refused':
        if (truth > 0) wrong = true;
        else payouts.refused++;
        break;
      case 'pending':
        wrong = truth > 0;
        payouts.refused++;
        break;
    }
    if (wrong) payouts.lostHost++;
    if (config.verbose && (wrong || call.state !== 'accepted' || ran > 1)) {
      console.log(
        `essp ${kind} payout of ${String(amount)} at ${String(clock.now())} ms: ${call.state}, device ran ${String(ran)}x and paid ${String(truth)}; told ${JSON.stringify(call.outcome ?? call.error)}${call.doubt ? `; doubt ${JSON.stringify({ ...call.doubt, levelsAfter: undefined })}` : ''}`,
      );
    }
  }
}
