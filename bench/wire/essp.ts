/**
 * eSSP on a paced 9600 8N2 pty: kioskbus (SspBus + SspValidator / SmartPayout) and the older library
 * `encrypted-smiley-secure-protocol@0.0.11` drive the same simulator. Each session measures open -> enabled, the
 * default poll loop and back-to-back POLLs; the payout session takes a note in and pays three out.
 *
 * The older library's own Diffie-Hellman fails on OpenSSL 3 (`createDiffieHellman(16)`: "modulus too small"), so
 * its key exchange is done with its own `exec()` and small primes set by hand (test/helpers/older-essp.ts, shared with
 * the interop and compat tests).
 */
import { SspBus } from '../../src/essp/bus.js';
import { SmartPayout } from '../../src/essp/devices/smart-payout.js';
import { SspValidator } from '../../src/essp/devices/validator.js';
import { DEFAULT_REPLY_LATENCY_MS, type SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { wireTimeMs } from '../../src/transport/paced.js';
import { ESSP_LINE, intervals, median, sleep, until, type Sample, type WireLog } from './harness.js';
import { loadOlderLibrary, olderKeyExchange, olderLibrary, type OlderSsp } from '../../test/helpers/older-essp.js';
import type { DeviceProcess, RemoteDevice } from './remote.js';

export type Library = 'kioskbus' | 'older';

const POLL = Uint8Array.of(0x07);
const LATENCY = DEFAULT_REPLY_LATENCY_MS;

// ---- the older library (CommonJS, untyped: test/helpers/older-essp.ts) --------------------------------------------

/** Loads both libraries' modules (kioskbus loads serialport on the first open of a real port). */
export async function loadLibraries(): Promise<void> {
  await import('@serialport/bindings-cpp');
  await import('@serialport/stream');
  // when it is not installed, its sessions report that themselves
  loadOlderLibrary();
}

/** The older library's start-up as its README shows it: SYNC, protocol 6, keys, SETUP_REQUEST, inhibits, ENABLE. */
async function seedOpen(path: string, encrypted: boolean, channels: number): Promise<OlderSsp> {
  const ssp = new (olderLibrary().SSP)({ id: 0, timeout: 1000, encryptAllCommand: true });
  await ssp.open(path);
  await ssp.exec('SYNC');
  await ssp.command('HOST_PROTOCOL_VERSION', { version: 6 });
  if (encrypted) await olderKeyExchange(ssp);
  await ssp.command('SETUP_REQUEST');
  await ssp.command('SET_CHANNEL_INHIBITS', { channels: Array<number>(channels).fill(1) });
  const enabled = await ssp.enable();
  if (enabled.status !== 'OK') throw new Error(`older library: ENABLE answered ${enabled.status}`);
  return ssp;
}

// ---- sessions -----------------------------------------------------------------------------------------------------

/** Times of the POLLs (and POLL_WITH_ACKs) the simulator executed. */
function pollTimes(device: RemoteDevice): number[] {
  const times: number[] = [];
  device.on('command', (name, at) => {
    if (name === 'POLL' || name === 'POLL_WITH_ACK') times.push(at);
  });
  return times;
}

/**
 * Wire floor of what was exchanged since `from`: every byte both ways at the line rate + each reply's latency as the
 * wire shows it (the simulator's configured 5 ms and its own work; see `WireLog.deviceTurnaroundMs`).
 */
function floorSince(pty: { log: WireLog }, from: number): number {
  return pty.log.wireMs(from) + pty.log.deviceTurnaroundMs(from);
}

export interface EsspSession {
  openToEnabled: Sample;
  /** Median time between POLLs of the default loop (ms). */
  loopPeriod: Sample;
  /** POLL round trips per second, back to back. */
  backToBack: Sample;
}

/** One session: open -> enabled, `loopMs` of the default loop, `burstMs` of back-to-back POLLs. */
export async function esspSession(
  devices: DeviceProcess,
  library: Library,
  encrypted: boolean,
  loopMs: number,
  burstMs: number,
): Promise<EsspSession> {
  const pty = await devices.serve({ kind: 'essp', options: { device: 'nv200', replyLatencyMs: LATENCY } });
  const polls = pollTimes(pty);
  try {
    if (library === 'kioskbus') {
      const t0 = performance.now();
      const transport = new SerialTransport({ path: pty.path, baudRate: 9600, stopBits: 2 });
      await transport.open();
      const bus = new SspBus(transport);
      const device = new SspValidator(bus, { encryption: encrypted });
      try {
        await device.start();
        const openMs = performance.now() - t0;
        const openFloor = floorSince(pty, -Infinity);
        const loopStart = polls.length;
        await sleep(loopMs);
        const loop = intervals(polls.slice(loopStart));
        await device.stop();
        const burst = await burstOf(pty, burstMs, () => bus.exchange(0, POLL, { encrypt: encrypted }));
        return {
          openToEnabled: { value: openMs, floor: openFloor },
          loopPeriod: { value: median(loop), floor: 200 },
          backToBack: burst,
        };
      } finally {
        await device.close();
        await bus.close();
        await transport.close();
      }
    }
    const t0 = performance.now();
    const ssp = await seedOpen(pty.path, encrypted, pty.channels);
    try {
      const openMs = performance.now() - t0;
      const openFloor = floorSince(pty, -Infinity);
      const loopStart = polls.length;
      await sleep(loopMs); // its enable() started its own loop
      const loop = intervals(polls.slice(loopStart));
      await ssp.poll(false);
      const burst = await burstOf(pty, burstMs, () => ssp.exec('POLL'));
      return {
        openToEnabled: { value: openMs, floor: openFloor },
        loopPeriod: { value: median(loop) },
        backToBack: burst,
      };
    } finally {
      ssp.close();
    }
  } finally {
    await pty.close();
  }
}

/** Back-to-back POLLs for `ms`: rate per second, and the rate the wire would allow for the same bytes. */
async function burstOf(pty: { log: WireLog }, ms: number, poll: () => Promise<unknown>): Promise<Sample> {
  await poll(); // settles whatever the loop left
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < ms) {
    await poll();
    count++;
  }
  const elapsed = performance.now() - start;
  const floorPerPoll = floorSince(pty, start) / count;
  return { value: (count * 1000) / elapsed, floor: 1000 / floorPerPoll };
}

// ---- payout -------------------------------------------------------------------------------------------------------

const NOTE_IN_CHANNEL = 3; // 20 EUR, routed to the cashbox
const PAY_OUT = 3000; // three 10 EUR notes from the store

function payoutSimOptions(): SspSimulatorOptions {
  return {
    device: 'smart-payout',
    replyLatencyMs: LATENCY,
    timing: { readMs: 300, creditMs: 200, stackMs: 400, rejectMs: 400 },
    payout: {
      levels: [{ value: 1000, count: 10 }],
      routes: [
        { value: 1000, route: 'payout' },
        { value: 2000, route: 'cashbox' },
      ],
      timing: { itemMs: 300, cashboxMs: 200, takeNoteMs: 0 },
    },
  };
}

/**
 * Note in, three notes out on a started SMART Payout: from the insertion to the host seeing the credit and the note
 * stacked, then asking for the payout until the host sees DISPENSED. Floor: the simulator's own time for each phase
 * (insertion to escrow, the accepting poll to NOTE_STACKED, the payout command to DISPENSED), the smallest encrypted
 * reply after each phase, and the smallest encrypted frame for the accepting POLL and for PAYOUT_AMOUNT.
 */
export async function payoutSession(devices: DeviceProcess, library: Library): Promise<Sample> {
  const pty = await devices.serve({ kind: 'essp', options: payoutSimOptions() });
  const events: { name: string; channel: number; at: number }[] = [];
  const commands: { name: string; at: number }[] = [];
  pty.on('event', (name, channel, at) => events.push({ name, channel, at }));
  pty.on('command', (name, at) => commands.push({ name, at }));
  let credited = false;
  let stacked = false;
  let dispensed = false;
  const run = async (payOut: () => Promise<void>): Promise<{ ms: number; payoutAt: number }> => {
    await sleep(300); // let the loop settle
    events.length = 0;
    commands.length = 0;
    const t0 = performance.now();
    pty.insertNote(NOTE_IN_CHANNEL);
    await until(() => credited && stacked, 10_000, 'the credit and the note stacked');
    const payoutAt = performance.now();
    await payOut();
    await until(() => dispensed, 20_000, 'DISPENSED');
    return { ms: performance.now() - t0, payoutAt };
  };
  try {
    let result: { ms: number; payoutAt: number };
    if (library === 'kioskbus') {
      const transport = new SerialTransport({ path: pty.path, baudRate: 9600, stopBits: 2 });
      await transport.open();
      const bus = new SspBus(transport);
      const device = new SmartPayout(bus);
      device.on('credit', () => {
        credited = true;
      });
      device.on('stacked', () => {
        stacked = true;
      });
      device.on('dispensed', () => {
        dispensed = true;
      });
      try {
        await device.start();
        result = await run(() => device.payout(PAY_OUT, 'EUR'));
      } finally {
        await device.close();
        await bus.close();
        await transport.close();
      }
    } else {
      const ssp = await seedOpen(pty.path, true, pty.channels);
      ssp.on('CREDIT_NOTE', () => {
        credited = true;
      });
      ssp.on('NOTE_STACKED', () => {
        stacked = true;
      });
      ssp.on('DISPENSED', () => {
        dispensed = true;
      });
      try {
        await ssp.command('ENABLE_PAYOUT_DEVICE', {});
        result = await run(async () => {
          const reply = await ssp.command('PAYOUT_AMOUNT', { amount: PAY_OUT, country_code: 'EUR', test: false });
          if (reply.status !== 'OK') throw new Error(`older library: PAYOUT_AMOUNT answered ${reply.status}`);
        });
        await ssp.poll(false);
      } finally {
        ssp.close();
      }
    }
    return { value: result.ms, floor: payoutFloor(events, commands, result.payoutAt) };
  } finally {
    await pty.close();
  }
}

function payoutFloor(
  events: readonly { name: string; channel: number; at: number }[],
  commands: readonly { name: string; at: number }[],
  payoutAt: number,
): number {
  const first = (name: string, after: number, channel?: number): number =>
    events.find((e) => e.name === name && e.at >= after && (channel === undefined || e.channel === channel))?.at ?? NaN;
  const insertAt = events[0]?.at ?? NaN; // READ_NOTE 0 is queued at the insertion
  const escrowAt = first('READ_NOTE', insertAt, NOTE_IN_CHANNEL);
  const acceptAt = commands.find((c) => c.at > escrowAt && (c.name === 'POLL' || c.name === 'POLL_WITH_ACK'))?.at;
  const stackedAt = first('NOTE_STACKED', acceptAt ?? NaN);
  const payAt = commands.find((c) => c.name === 'PAYOUT_AMOUNT' && c.at >= payoutAt)?.at ?? NaN;
  const dispensedAt = first('DISPENSED', payAt);
  const deviceMs = escrowAt - insertAt + (stackedAt - (acceptAt ?? NaN)) + (dispensedAt - payAt);
  // the smallest encrypted frame: STX SEQ LEN 7E, one 16-byte block, CRC = 22 bytes. After each phase the host needs
  // at least a reply (its POLL may already be on its way): the escrow, NOTE_STACKED, DISPENSED; and it must send
  // the accepting POLL and PAYOUT_AMOUNT after learning what came before
  const frame = wireTimeMs(ESSP_LINE, 22);
  return deviceMs + 3 * (frame + LATENCY) + 2 * frame;
}
