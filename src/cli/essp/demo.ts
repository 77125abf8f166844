/**
 * `kioskbus demo`, eSSP part: an encrypted NV200 session against the simulator over the in-memory pair. Three notes
 * go in: one accepted straight away, one held in escrow and then accepted, one counterfeit rejected with its reason.
 */
import { formatMoney } from '../../core/money.js';
import type { DemoSection } from '../types.js';
import { SspBus } from '../../essp/bus.js';
import { SspValidator, type NoteInfo } from '../../essp/devices/validator.js';
import { startSimulatorPair } from '../../essp/simulator/pair.js';

function describeNote(note: NoteInfo): string {
  const value =
    note.value !== undefined && note.currency !== undefined
      ? formatMoney({ amount: note.value, currency: note.currency })
      : 'unknown value';
  return `channel ${note.channel} (${value})`;
}

/** Resolves with the arguments of the first call of the listener that `subscribe` installs; rejects after `ms`. */
function next<T extends unknown[]>(
  subscribe: (listener: (...args: T) => void) => () => void,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${what} within ${ms} ms`));
    }, ms);
    const off = subscribe((...args) => {
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

export const esspDemo: DemoSection = {
  title: 'eSSP: encrypted NV200 session (escrow hold, accept, reject)',
  async run(say) {
    const pair = startSimulatorPair({
      device: 'nv200',
      replyLatencyMs: 1,
      timing: { readMs: 60, creditMs: 40, stackMs: 80, rejectMs: 60 },
    });
    const bus = new SspBus(pair.host, { timeoutMs: 500, retries: 3 });
    const validator = new SspValidator(bus, { pollIntervalMs: 200, holdInEscrow: true });
    const credits: NoteInfo[] = [];
    validator.on('credit', (note) => {
      credits.push(note);
      say(`credit: ${describeNote(note)}`);
    });
    validator.on('rejected', (reason) => {
      say(`rejected: ${reason.name} (${reason.reason})`);
    });
    try {
      const ready = next<[{ protocolVersion: number }]>(
        (l) => {
          validator.on('ready', l);
          return () => validator.off('ready', l);
        },
        5000,
        'start-up',
      );
      await validator.start();
      const [info] = await ready;
      say(
        `NV200 ready: protocol version ${info.protocolVersion}, encrypted: ${String(bus.isEncrypted(validator.address))}, ` +
          `channels ${validator.channels.map((c) => formatMoney({ amount: c.value, currency: c.currency })).join(', ')}`,
      );

      /** The next `name` event of the validator (`what` names it when it does not come within 5 s). */
      const nextNote = (name: 'escrow' | 'credit', what: string): Promise<[NoteInfo]> =>
        next<[NoteInfo]>(
          (l) => {
            validator.on(name, l);
            return () => validator.off(name, l);
          },
          5000,
          what,
        );
      const escrow = (): Promise<[NoteInfo]> => nextNote('escrow', 'note in escrow');
      const credited = (): Promise<[NoteInfo]> => nextNote('credit', 'credit');

      // 1: a note accepted at once
      let inEscrow = escrow();
      pair.simulator.insertNote(2);
      let [note] = await inEscrow;
      say(`escrow: ${describeNote(note)}, accepting`);
      let credit = credited();
      validator.accept();
      await credit;

      // 2: a note held in escrow for a while (HOLD keeps it there), then accepted
      inEscrow = escrow();
      pair.simulator.insertNote(3);
      [note] = await inEscrow;
      say(`escrow: ${describeNote(note)}, holding it while the customer decides`);
      validator.hold();
      await new Promise((resolve) => setTimeout(resolve, 600));
      say(`still in escrow after 600 ms: ${validator.escrow ? describeNote(validator.escrow) : 'no'}; accepting`);
      credit = credited();
      validator.accept();
      await credit;

      // 3: a counterfeit note, rejected with the reason from LAST_REJECT_CODE
      const rejected = next<unknown[]>(
        (l) => {
          validator.on('rejected', l);
          return () => validator.off('rejected', l);
        },
        5000,
        'rejection',
      );
      pair.simulator.insertNote(1, { counterfeit: true });
      await rejected;

      const total = credits.reduce((sum, n) => sum + (n.value ?? 0), 0);
      const currency = credits[0]?.currency ?? 'EUR';
      say(`${credits.length} credits, total ${formatMoney({ amount: total, currency })}`);
      if (credits.length !== 2) throw new Error(`expected 2 credits, got ${credits.length}`);
    } finally {
      await validator.close();
      await bus.close();
      await pair.close();
    }
  },
};
