import { concatBytes } from '../src/core/bytes.js';
import { CRC16_KERMIT } from '../src/core/crc.js';
import { CcnetBus } from '../src/ccnet/bus.js';
import { encodeDenominationTable, encodeIdentification } from '../src/ccnet/codec.js';
import { BillValidator } from '../src/ccnet/devices/bill.js';
import { CcnetFramer, encodeAck, encodeCommand, encodeReply } from '../src/ccnet/frame.js';
import { BillSimulator, DEFAULT_EUR_TABLE } from '../src/ccnet/simulator/bill.js';
import { createMemoryPair } from '../src/transport/memory.js';
import { measureBytes, type BenchCase } from './types.js';

/** A realistic mix: POLL, state replies, ACKs, identification and bill table replies (~64 KB). */
function capture(): Uint8Array {
  const session = [
    encodeCommand(3, 0x33),
    encodeReply(3, Uint8Array.of(0x14)),
    encodeAck(3),
    encodeCommand(3, 0x33),
    encodeReply(3, Uint8Array.of(0x81, 0x03)),
    encodeAck(3),
    encodeCommand(3, 0x37),
    encodeReply(
      3,
      encodeIdentification({ partNumber: 'SM-EU3245', serialNumber: '07KI41AS7482', assetNumber: '75ed8dc8033f7b' }),
    ),
    encodeAck(3),
    encodeCommand(3, 0x41),
    encodeReply(3, encodeDenominationTable(DEFAULT_EUR_TABLE)),
    encodeAck(3),
  ];
  const one = concatBytes(session);
  const parts: Uint8Array[] = [];
  for (let n = 0; n < 64 * 1024; n += one.length) parts.push(one);
  return concatBytes(parts);
}

const data = capture();

function chunked(size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

const chunks64 = chunked(64);

/** Chunk sizes as a serial port delivers them: 1..32 bytes, deterministic pseudo-random. */
function serialReads(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let seed = 7;
  for (let i = 0; i < data.length;) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const n = 1 + (seed >>> 27);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** A framer whose sink counts the frames (the least a real receiver does with them). */
function framer(): CcnetFramer {
  const seen = { frames: 0 };
  return new CcnetFramer({
    frame: () => {
      seen.frames += 1;
    },
  });
}

/** Small chunks: reported, no target (a serial line delivers far less than this). */
function smallChunks(name: string, chunks: Uint8Array[]): BenchCase {
  return {
    name,
    unit: 'MB/s',
    run: () => {
      const d = framer();
      const run = (): void => {
        for (const c of chunks) d.push(c);
      };
      measureBytes(run, data.length, 200);
      return Promise.resolve({ value: measureBytes(run, data.length, 300) });
    },
  };
}

async function pollRoundTrips(): Promise<{ value: number; note: string }> {
  const [host, device] = createMemoryPair();
  const sim = new BillSimulator();
  const detach = sim.attach(device);
  const bus = new CcnetBus(host, { tFreeMs: 0 });
  const bv = new BillValidator(bus);
  for (let i = 0; i < 200; i++) await bv.poll();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 400) {
    for (let i = 0; i < 50; i++) await bv.poll();
    n += 50;
  }
  const value = (n * 1000) / (performance.now() - start);
  bus.close();
  detach();
  return { value, note: 't-free 0 (engine speed; on a wire t-free >= 10 ms caps it near 50/s)' };
}

const cases: BenchCase[] = [
  {
    name: 'decoder, whole 64 KB capture per push',
    unit: 'MB/s',
    target: 50,
    run: () => {
      const d = framer();
      const push = (): void => {
        d.push(data);
      };
      measureBytes(push, data.length, 300); // let the JIT settle first
      const value = measureBytes(push, data.length, 500);
      // the CRC alone over the same bytes, measured now: shows how loaded the machine is
      const crc = measureBytes(() => CRC16_KERMIT.compute(data), data.length, 150);
      return Promise.resolve({ value, note: `CRC-16/KERMIT alone: ${crc.toFixed(0)} MB/s in this run` });
    },
  },
  {
    name: 'decoder, 64-byte chunks',
    unit: 'MB/s',
    target: 50,
    run: () => {
      const d = framer();
      const run = (): void => {
        for (const c of chunks64) d.push(c);
      };
      measureBytes(run, data.length, 300);
      return Promise.resolve({ value: measureBytes(run, data.length, 500) });
    },
  },
  ...[16, 4, 1].map((size) => smallChunks(`decoder, ${size}-byte chunks`, chunked(size))),
  smallChunks('decoder, serial reads of 1..32 bytes', serialReads()),
  { name: 'POLL round trips host <-> simulator (memory pair)', unit: 'ops/s', run: pollRoundTrips },
];

export default cases;
