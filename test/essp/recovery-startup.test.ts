/**
 * Issue 10, finding 5: the eSSP start-up on a noisy line. SETUP_REQUEST has the longest reply of the start-up (about
 * 100 bytes on the wire for an NV200), so it is the step that fails most often at a few per cent of damaged bytes,
 * and every failure restarted the whole start-up. A re-initialisation now asks the device's serial number (a 5-byte
 * answer) and reuses the set-up it read before when the serial number and the protocol version are the same; another
 * device on the port (another serial number) is read afresh, so its channel values are never taken from the old one.
 * Real host and simulators, the seeded fault transport, fake timers.
 */
import { describe, expect, it, vi } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { SspValidator } from '../../src/essp/devices/validator.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

const SKIP = new Set(['SYNC', 'SET_GENERATOR', 'SET_MODULUS', 'REQUEST_KEY_EXCHANGE', 'EVENT_ACK']);

const closer = useFakeTimeAndCloser();

interface Rig {
  end: MemoryTransport;
  line: FaultTransport;
  validator: SspValidator;
  /** Commands the attached simulator received (SYNC, the key exchange, POLLs and EVENT_ACK left out). */
  sent: string[];
  log: string[];
  attach(sim: SspSimulator): void;
}

async function rig(first: SspSimulator): Promise<Rig> {
  const [host, end] = createMemoryPair();
  const line = new FaultTransport(host, { seed: 4 });
  const bus = new SspBus(line, {});
  const validator = new SspValidator(bus, {});
  const sent: string[] = [];
  const log: string[] = [];
  let detach: () => void = () => undefined;
  let current = first;
  const attach = (sim: SspSimulator): void => {
    detach();
    current = sim;
    detach = sim.attach(end);
    sim.on('command', (c) => {
      if (!SKIP.has(c.name) && !c.name.startsWith('POLL')) sent.push(c.name);
    });
  };
  attach(first);
  validator.on('credit', (n) => log.push(`credit ${String(n.value)} ${n.currency}`));
  validator.on('ready', (r) => log.push(`ready ${r.reason}`));
  validator.on('offline', () => log.push('offline'));
  const started = validator.start();
  await vi.advanceTimersByTimeAsync(0);
  await started;
  closer.onClose(async () => {
    await validator.close();
    await bus.close();
    detach();
    current.close();
    await end.close();
  });
  return { end, line, validator, sent, log, attach };
}

/** A dark line long enough for the host to go offline (20 resends of 1 s), then back. */
async function outage(r: Rig): Promise<void> {
  r.line.goDark(25_000);
  await vi.advanceTimersByTimeAsync(35_000);
}

describe('eSSP start-up after an outage (finding 5)', () => {
  it('reads the set-up and the serial number at the first start; re-initialisations ask the serial number only', async () => {
    const r = await rig(new SspSimulator({ device: 'nv200' }));
    expect(r.sent.slice(0, 3)).toEqual(['HOST_PROTOCOL_VERSION', 'SETUP_REQUEST', 'GET_SERIAL_NUMBER']);
    r.sent.length = 0;
    await outage(r);
    expect(r.log.slice(-2)).toEqual(['offline', 'ready online']);
    expect(r.sent.slice(0, 4)).toEqual([
      'HOST_PROTOCOL_VERSION',
      'GET_SERIAL_NUMBER',
      'SET_CHANNEL_INHIBITS',
      'ENABLE',
    ]);
    expect(r.validator.channels.map((c) => c.value)).toEqual([500, 1000, 2000, 5000, 10000, 20000, 50000]);
  });

  it('another device on the port after an outage (another serial number) has its set-up read, and its values used', async () => {
    const r = await rig(new SspSimulator({ device: 'nv200', serialNumber: 1001 }));
    // the adapter now leads to another NV200
    r.attach(new SspSimulator({ device: 'nv200', serialNumber: 2002 }));
    r.sent.length = 0;
    await outage(r);
    expect(r.sent.slice(0, 3)).toEqual(['HOST_PROTOCOL_VERSION', 'GET_SERIAL_NUMBER', 'SETUP_REQUEST']);
    // and then to a validator with a pound dataset (and a lower protocol version): its own values, in pounds
    r.attach(new SspSimulator({ device: 'nv9usb', serialNumber: 3003 }));
    r.sent.length = 0;
    await outage(r);
    expect(r.sent).toContain('SETUP_REQUEST');
    expect(r.validator.channels.map((c) => `${String(c.value)} ${c.currency}`)).toEqual([
      '500 GBP',
      '1000 GBP',
      '2000 GBP',
      '5000 GBP',
    ]);
  });
});
