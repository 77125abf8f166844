/**
 * Issue 10, finding 4: a dark line longer than the NV200's 10 s no-command watchdog but shorter than the host's
 * offline detection leaves the device disabled. The host must send ENABLE again by itself (the application wanted
 * the device enabled and did not disable it), once, and notes inserted afterwards are credited.
 */
import { describe, expect, it, vi } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { SspValidator } from '../../src/essp/devices/validator.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { createMemoryPair } from '../../src/transport/memory.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

useFakeTimeAndCloser();

describe('eSSP validator after a dark period longer than the device watchdog (finding 4)', () => {
  it('is enabled again without the application acting; notes inserted afterwards are credited', async () => {
    const [host, end] = createMemoryPair();
    const sim = new SspSimulator({ device: 'nv200' });
    const detach = sim.attach(end);
    const line = new FaultTransport(host, { seed: 5 });
    const bus = new SspBus(line, {});
    const device = new SspValidator(bus, {});
    const log: string[] = [];
    device.on('credit', (n) => log.push(`credit ${String(n.value)}`));
    device.on('disabled', () => log.push('disabled'));
    device.on('enabled', () => log.push('enabled'));
    const started = device.start();
    await vi.advanceTimersByTimeAsync(0);
    await started;

    line.goDark(12_000);
    await vi.advanceTimersByTimeAsync(15_000);
    sim.insertNote(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(log.filter((e) => e.startsWith('credit'))).toHaveLength(1);
    expect(log.filter((e) => e === 'disabled')).toHaveLength(1);
    expect(log.filter((e) => e === 'enabled')).toHaveLength(1);

    const closing = device.close().then(() => bus.close());
    for (let i = 0; i < 50; i++) await vi.advanceTimersByTimeAsync(100);
    await closing;
    detach();
    sim.close();
    await end.close();
  });
});
