/**
 * CCNET soak: a kiosk's CCNET bus on one faulty line: the real BillValidator (03), BillToBill (01, paying out) and
 * CoinChanger (02) on one real CcnetBus against the real simulators, with power cuts of the whole kiosk. Each round a
 * customer inserts a bill and a coin, then the kiosk pays out bills (B2B DISPENSE) and coins (changer DISPENSE).
 *
 * Ground truth comes from the simulators: the stacked-bill and accepted-coin ledgers, and the bills and coins each
 * DISPENSE actually paid. The application is told by `credit`, `coin`, and by each payout call's result: resolved
 * (paid), rejected UNCERTAIN (`uncertain`), any other rejection (not paid). `billAtPowerUp`, `billInDoubt` and
 * `uncertain` are the host saying it cannot know (counted as uncertain, never as reported).
 */
import { CcnetBus } from '../src/ccnet/bus.js';
import { BillToBill, BillValidator } from '../src/ccnet/devices/bill.js';
import { CoinChanger } from '../src/ccnet/devices/coin-changer.js';
import { attachSimulators } from '../src/ccnet/simulator/base.js';
import { BillSimulator } from '../src/ccnet/simulator/bill.js';
import { CoinSimulator } from '../src/ccnet/simulator/coin.js';
import { ErrorCode, isKioskbusError } from '../src/core/errors.js';
import type { VirtualClock } from '../src/core/virtual-clock.js';
import { createPrng } from '../src/transport/faults.js';
import { emptyRow, HangWatch, runFor, soakLine, Tally, type SoakConfig, type SoakRow } from './common.js';

/** Recovery bound: the longest dark period (30 s), the non-response time (5 s), RESET every 10 s, the start-up. */
const RECOVERY_MS = 90_000;

/** What the application was told of one payout. */
type Told = 'paid' | 'uncertain' | 'failed';

/** One payout row: every DISPENSE the soak asked for, judged against what the device paid for it. */
class PayoutBook {
  readonly row: SoakRow;
  /** UNCERTAIN outcomes whose evidence said `executed` although the device paid nothing (must stay 0). */
  wrongEvidence = 0;

  constructor(kind: string) {
    this.row = emptyRow('ccnet', kind);
  }

  /** `executions`: times the device ran the DISPENSE (ground truth); `told`: what the call said. */
  settle(executions: number, told: Told, evidence: string | undefined): void {
    const row = this.row;
    if (
      process.env.SOAK_TRACE &&
      (executions > 1 ||
        (told === 'paid' && executions === 0) ||
        (told === 'failed' && executions > 0) ||
        (told === 'uncertain' && executions === 0 && evidence === 'executed'))
    )
      console.log('PAYOUT', this.row.kind, executions, told, evidence);
    row.items += executions;
    if (executions > 1) row.doubled += executions - 1; // paid twice: a blind resend
    if (told === 'paid') {
      row.reported++;
      if (executions === 0) row.doubled++; // told paid, nothing paid
    } else if (told === 'uncertain') {
      row.uncertain++;
      if (executions === 0 && evidence === 'executed') this.wrongEvidence++;
    } else if (executions > 0)
      row.lostHost++; // paid, and the application was told it was not
    else row.refused++;
  }
}

export async function soakCcnet(config: SoakConfig): Promise<SoakRow[]> {
  const { clock, host, device } = soakLine(config, 'ccnet');
  const random = createPrng(config.seed ^ 0xcc0e7);
  const billSim = new BillSimulator({ clock });
  const b2bSim = new BillSimulator({
    clock,
    kind: 'b2b',
    cassettes: [
      { type: 1, count: 100, capacity: 100, present: true },
      { type: 2, count: 100, capacity: 100, present: true },
      { type: 'ESCROW', count: 0, capacity: 20, present: true },
    ],
  });
  const coinSim = new CoinSimulator({
    clock,
    tubes: { 0: { count: 40, capacity: 50 }, 1: { count: 40, capacity: 50 }, 2: { count: 40, capacity: 50 } },
  });
  const sims = [billSim, b2bSim, coinSim];
  const detach = attachSimulators(device, sims);
  const bus = new CcnetBus(host, { clock });
  const bv = new BillValidator(bus, { pollIntervalMs: 200 });
  const b2b = new BillToBill(bus, { pollIntervalMs: 200 });
  const cc = new CoinChanger(bus, { pollIntervalMs: 200 });
  const hosts = [bv, b2b, cc] as const;

  const bills = new Tally();
  const coins = new Tally();
  const billRow = emptyRow('ccnet', 'bills (validator)');
  const coinRow = emptyRow('ccnet', 'coins (changer)');
  const b2bBook = new PayoutBook('payouts (B2B)');
  const coinBook = new PayoutBook('payouts (changer)');
  let changes = 0;
  const watch = new HangWatch(clock, RECOVERY_MS, () => changes);
  const ledgers = { bills: 0, coins: 0 };
  const syncTruth = (): void => {
    // the ledgers only grow: each new entry is one bill / coin the device took
    while (ledgers.bills < billSim.stackedBills.length) bills.given(billSim.stackedBills[ledgers.bills++] ?? -1);
    while (ledgers.coins < coinSim.acceptedCoins.length) coins.given(coinSim.acceptedCoins[ledgers.coins++] ?? -1);
  };
  bv.on('credit', (c) => {
    bills.reported(c.billType);
  });
  cc.on('coin', (c) => {
    coins.reported(c.coinType);
  });
  const doubt = (tally: Tally, row: SoakRow) => () => {
    tally.doubted++;
    row.uncertain++;
  };
  bv.on('billAtPowerUp', doubt(bills, billRow));
  bv.on('billInDoubt', doubt(bills, billRow));
  for (const h of hosts) {
    h.on('lifecycle', () => changes++);
    h.on('problem', () => undefined);
  }
  bv.on('state', () => changes++);
  b2b.on('state', () => changes++);
  cc.on('state', () => changes++);
  bus.link.on('frame', (direction) => {
    if (direction === 'rx') changes++;
  });
  if (process.env.SOAK_TRACE) trace(clock, { bv, b2b, cc }, sims);

  const started = Promise.all([
    (async () => {
      await bv.initialize();
      await bv.enable();
      await bv.run();
    })(),
    (async () => {
      await cc.initialize();
      await cc.enable();
      await cc.run();
    })(),
    b2b.run(),
  ]);
  let startError: unknown;
  started.catch((error: unknown) => {
    startError = error;
  });
  const ready = (): boolean => hosts.every((h) => h.loop.state === 'ready');
  await runFor(clock, 60_000, 100, watch, ready);
  if (!ready()) throw new Error(`ccnet soak: the devices did not start (${String(startError)})`);
  host.enabled = true;

  let b2bPaid = 0;
  b2bSim.on('dispensed', () => b2bPaid++);
  let coinPaid = 0;
  coinSim.on('paidOut', () => coinPaid++);

  const nextCutAt = (): number => (config.powerCutEvery > 0 ? Math.floor(config.powerCutEvery * (0.5 + random())) : 0);
  let cutIn = nextCutAt();
  for (let asked = 0; asked < config.items;) {
    const billType = Math.floor(random() * 7);
    const coinType = Math.floor(random() * 4);
    // the customer tries again until the device draws the bill / coin in (bounded)
    const taken = { bill: false, coin: false };
    await runFor(clock, RECOVERY_MS, 100, watch, () => {
      taken.bill ||= billSim.insertBill(billType);
      taken.coin ||= coinSim.insertCoin(coinType);
      return taken.bill && taken.coin;
    });
    asked++;
    if (!taken.bill) billRow.refused++;
    if (!taken.coin) coinRow.refused++;
    await runFor(clock, 2000 + Math.floor(random() * 1500), 100, watch);
    // the kiosk pays change: a bill or two from the B2B, some coins from the changer, both at once
    refill(b2bSim, coinSim);
    const items = [{ billType: 1 + Math.floor(random() * 2), count: 1 + Math.floor(random() * 2) }];
    const coin = { type: Math.floor(random() * 3), count: 1 + Math.floor(random() * 3) };
    await runFor(clock, RECOVERY_MS, 100, watch, () => canPay(b2b, 'UNIT_DISABLED') && canPay(cc, 'IDLING'));
    const runs = [
      new Payout(b2bBook, () => b2bPaid, b2b.dispense(items)),
      new Payout(coinBook, () => coinPaid, cc.dispense(coin.type, coin.count)),
    ];
    await runFor(clock, RECOVERY_MS, 100, watch, () => runs.every((r) => r.told !== undefined));
    await runFor(clock, 1000, 100, watch); // a late execution would show here
    for (const r of runs) r.settle();
    syncTruth();
    if (cutIn > 0 && --cutIn === 0) {
      cutIn = nextCutAt();
      // what the devices took and the host has not reported yet may go with the power (device events not kept)
      syncTruth();
      bills.powerCutDropped += Math.max(0, ledgers.bills - bills.reportedCount);
      const offMs = 500 + Math.floor(random() * 5000);
      for (const sim of sims) sim.powerCycle(offMs);
    }
    if (config.verbose && asked % 1000 === 0) {
      console.log(`ccnet: ${String(asked)} rounds, t=${String(clock.now())} ms`);
    }
  }
  host.enabled = false;
  await runFor(clock, RECOVERY_MS, 100, watch);
  syncTruth();
  bills.settle(billRow);
  // the changer's own count of coin events it dropped unacknowledged (RESET to a silent changer, power cut)
  coins.powerCutDropped = coinSim.droppedCoinEvents.length;
  coins.settle(coinRow);
  const rows = [billRow, coinRow, b2bBook.row, coinBook.row];
  // an `executed` verdict for a payout that paid nothing is the host guessing: counted as a double
  b2bBook.row.doubled += b2bBook.wrongEvidence;
  coinBook.row.doubled += coinBook.wrongEvidence;
  // Halting waits for the exchange in flight, which needs (virtual) time to end: the clock runs while the hosts halt,
  // and a halt that does not end within the recovery bound is a hang.
  let halted = false;
  const halting = Promise.all(hosts.map((h) => h.halt())).then(() => (halted = true));
  if (!(await runFor(clock, RECOVERY_MS, 100, watch, () => halted))) watch.hangs++;
  else await halting;
  billRow.hangs = watch.hangs;
  detach();
  return rows;
}

/** One payout in flight: what the device paid since it was sent, and what the call said. */
class Payout {
  told: Told | undefined;
  evidence: string | undefined;
  private readonly before: number;

  constructor(
    private readonly book: PayoutBook,
    private readonly ledger: () => number,
    call: Promise<void>,
  ) {
    this.before = ledger();
    call.then(
      () => (this.told = 'paid'),
      (error: unknown) => {
        this.told = isKioskbusError(error, ErrorCode.Uncertain) ? 'uncertain' : 'failed';
        if (isKioskbusError(error)) this.evidence = error.context.evidence as string | undefined;
      },
    );
  }

  /** A call still running after the recovery bound counts as failed (the hang watch reports the stall). */
  settle(): void {
    this.book.settle(this.ledger() - this.before, this.told ?? 'failed', this.evidence);
  }
}

function canPay(device: BillToBill | CoinChanger, idle: string): boolean {
  return device.loop.state === 'ready' && device.state?.name === idle;
}

/** Keeps the payout stock up (a service visit between rounds). */
function refill(b2b: BillSimulator, coin: CoinSimulator): void {
  for (const c of b2b.cassettes) if (c.type !== 'ESCROW' && c.count < 10) c.count = 100;
  for (const tube of coin.tubes.values()) if (tube.count < 10) tube.count = 40;
}

/** SOAK_TRACE=1: the life-cycle, states and non-POLL commands of a run, for a finding. */
function trace(
  clock: VirtualClock,
  hosts: { bv: BillValidator; b2b: BillToBill; cc: CoinChanger },
  sims: (BillSimulator | CoinSimulator)[],
): void {
  const { bv, b2b, cc } = hosts;
  // returns true so that listeners stay one-liners
  const at = (...parts: unknown[]): boolean => {
    console.log(clock.now(), ...parts);
    return true;
  };
  bv.on('lifecycle', (to) => at('bv', to));
  b2b.on('lifecycle', (to) => at('b2b', to));
  cc.on('lifecycle', (to) => at('cc', to));
  bv.on('state', (s) => at('bv state', s.name));
  b2b.on('state', (s) => at('b2b state', s.name));
  cc.on('state', (s) => at('cc state', s.name));
  bv.on('billInDoubt', (d) => at('bv billInDoubt', d.lastState.name, d.after));
  b2b.on('uncertain', (o) => at('b2b uncertain', o.command, o.evidence));
  cc.on('uncertain', (o) => at('cc uncertain', o.command, o.evidence));
  cc.on('coin', (c) => at('cc coin', c.coinType));
  bv.on('credit', (c) => at('bv credit', c.billType));
  (sims[0] as BillSimulator).on('stacked', (t) => at('sim 3 stacked', t));
  for (const sim of sims) sim.on('resend', (name) => at(`sim ${String(sim.address)} resend`, name));
  for (const sim of sims) {
    sim.on('command', (name) => {
      if (name !== 'POLL') at(`sim ${String(sim.address)}`, name);
    });
    sim.on('powerDown', () => at(`sim ${String(sim.address)} power down`));
  }
}
