/**
 * CCNET on a paced 9600 8N1 pty: kioskbus (CcnetBus + BillValidator) and the older library `cashcode-bv@0.0.2`
 * drive the same bill-validator simulator: connect -> enabled, the default poll cadence, and the silence (t-free)
 * the host keeps on the wire after each ACK it sends.
 *
 * The older library is loaded by test/ccnet/cashcode-bv.ts (serialport 13 behind its serialport 9 constructor).
 */
import { CcnetBus } from '../../src/ccnet/bus.js';
import { BillValidator } from '../../src/ccnet/devices/bill.js';
import { loadCashcodeBv } from '../../test/ccnet/cashcode-bv.js';
import { SerialTransport } from '../../src/transport/serial.js';
import { wireTimeMs, type LineSpan } from '../../src/transport/paced.js';
import { CCNET_LINE, intervals, median, sleep, type Sample, type WireLog } from './harness.js';
import type { Library } from './essp.js';
import type { DeviceProcess } from './remote.js';

/** Spec minimum of bus silence after the host's ACK (t-free). */
export const T_FREE_MS = 20;
/** Spec t-poll lower bound: the fastest a host may poll, also while the device initialises. */
const T_POLL_MIN_MS = 100;

function isAck(span: LineSpan): boolean {
  const b = span.bytes;
  return b.length === 6 && b[0] === 0x02 && b[2] === 0x06 && b[3] === 0x00;
}

/** Silence on the wire after each host ACK until the host's next frame starts (ms). */
function tFreeGaps(pty: { log: WireLog }): number[] {
  const gaps: number[] = [];
  const host = pty.log.host;
  for (let i = 0; i + 1 < host.length; i++) {
    const ack = host[i];
    const next = host[i + 1];
    if (ack && next && isAck(ack)) gaps.push(next.startMs - ack.endMs);
  }
  return gaps;
}

/**
 * Floor of a CCNET exchange sequence: its bytes on the wire, t-free after each ACK, and polls at the fastest the spec
 * allows (t-poll 100 ms from start to start) while the device answers INITIALIZE (13H): its own start-up time.
 */
function connectFloor(pty: { log: WireLog }): number {
  const acks = pty.log.host.filter(isAck).length;
  const initialising = pty.log.device.filter((s) => s.bytes.length === 6 && s.bytes[3] === 0x13).length;
  // each INITIALIZE answer holds the next POLL until t-poll after this one started; its POLL, answer, ACK and
  // t-free (counted above) fill part of that period
  const cycle = wireTimeMs(CCNET_LINE, 18) + T_FREE_MS;
  return pty.log.wireMs() + acks * T_FREE_MS + initialising * Math.max(0, T_POLL_MIN_MS - cycle);
}

export interface CcnetSession {
  connectToEnabled: Sample;
  /** Median time between POLLs of the default loop (ms). */
  pollPeriod: Sample;
  /** Smallest and median silence after an ACK on the wire (ms). */
  tFreeMin: number;
  tFreeMedian: number;
  /** ACKs the host sent, and how many of them were followed by less than the spec's 20 ms of silence. */
  acks: number;
  acksBelowSpec: number;
}

export async function ccnetSession(devices: DeviceProcess, library: Library, loopMs: number): Promise<CcnetSession> {
  const pty = await devices.serve({ kind: 'ccnet' });
  const polls: number[] = [];
  pty.on('command', (name, at) => {
    if (name === 'POLL') polls.push(at);
  });
  try {
    let connectMs: number;
    let floor: number;
    const loopStart = (): number => polls.length;
    let fromPoll = 0;
    if (library === 'kioskbus') {
      const t0 = performance.now();
      const transport = new SerialTransport({ path: pty.path, baudRate: 9600 });
      await transport.open();
      const bus = new CcnetBus(transport);
      const device = new BillValidator(bus);
      try {
        await device.initialize();
        await device.enable();
        connectMs = performance.now() - t0;
        floor = connectFloor(pty);
        device.start();
        fromPoll = loopStart();
        await sleep(loopMs);
        device.stop();
      } finally {
        bus.close();
        await transport.close();
      }
    } else {
      const Client = loadCashcodeBv();
      const t0 = performance.now();
      const client = new Client(pty.path);
      try {
        await client.connect();
        await client.begin();
        connectMs = performance.now() - t0;
        floor = connectFloor(pty);
        fromPoll = loopStart();
        await sleep(loopMs);
      } finally {
        client.statusTimerStop();
        client.serial.removeAllListeners('close'); // its close listener throws
        await client.close();
      }
    }
    const gaps = tFreeGaps(pty);
    return {
      connectToEnabled: { value: connectMs, floor },
      pollPeriod: { value: median(intervals(polls.slice(fromPoll))), floor: 200 },
      tFreeMin: gaps.length ? Math.min(...gaps) : NaN,
      tFreeMedian: median(gaps),
      acks: gaps.length,
      acksBelowSpec: gaps.filter((g) => g < T_FREE_MS).length,
    };
  } finally {
    await pty.close();
  }
}
