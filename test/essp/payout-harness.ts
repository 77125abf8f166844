/**
 * Test harness of the payout devices: the real host facade against the real simulator over an in-memory link
 * (byte for byte, encrypted), with fake timers driving the poll loop and the simulated mechanics. Every facade
 * event is logged as a short line so tests can assert sequences.
 */
import { vi } from 'vitest';
import { type ErrorCode, isKioskbusError } from '../../src/core/errors.js';
import { SspBus, type SspBusOptions } from '../../src/essp/bus.js';
import type { PayoutDevice, PayoutProgress } from '../../src/essp/devices/payout-common.js';
import { SspSimulator, type SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import { FaultTransport } from '../../src/transport/faults.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import type { Transport } from '../../src/transport/types.js';

export interface Rig<D extends PayoutDevice> {
  sims: SspSimulator[];
  sim: SspSimulator;
  bus: SspBus;
  device: D;
  host: MemoryTransport;
  log: string[];
  close(): Promise<void>;
}

const money = (p: PayoutProgress): string =>
  `${String(p.value)} ${p.currency}${p.requested !== undefined ? ` of ${String(p.requested)}` : ''}`;

/** Logs the payout facade's events as short lines. */
export function record(device: PayoutDevice, log: string[], prefix = ''): void {
  const add = (line: string): void => {
    log.push(prefix + line);
  };
  device.on('credit', (n) => {
    add(`credit ${String(n.value)} ${n.currency}`);
  });
  device.on('coinCredit', (c) => {
    add(`coinCredit ${String(c.value)} ${c.currency}`);
  });
  device.on('dispensing', (p) => {
    add(`dispensing ${money(p)}`);
  });
  device.on('dispensed', (p) => {
    add(`dispensed ${money(p)}`);
  });
  device.on('halted', (p) => {
    add(`halted ${money(p)}`);
  });
  device.on('floating', (p) => {
    add(`floating ${money(p)}`);
  });
  device.on('floated', (p) => {
    add(`floated ${money(p)}`);
  });
  device.on('timeout', (p) => {
    add(`timeout ${money(p)}`);
  });
  device.on('payoutJammed', (p) => {
    add(`payoutJammed ${money(p)}`);
  });
  device.on('jamRecovery', () => {
    add('jamRecovery');
  });
  device.on('incompletePayout', (items) => {
    add(`incompletePayout ${items.map((i) => `${String(i.paid)}/${String(i.requested)} ${i.currency}`).join(',')}`);
  });
  device.on('incompleteFloat', (items) => {
    add(`incompleteFloat ${items.map((i) => `${String(i.paid)}/${String(i.requested)} ${i.currency}`).join(',')}`);
  });
  device.on('cashboxPaid', (v) => {
    add(`cashboxPaid ${v.map((x) => `${String(x.value)} ${x.currency}`).join(',')}`);
  });
  device.on('valueAdded', (v) => {
    add(`valueAdded ${v.map((x) => `${String(x.value)} ${x.currency}`).join(',')}`);
  });
  device.on('noteStored', (v) => {
    add(`noteStored${v ? ` ${v.map((x) => `${String(x.value)} ${x.currency}`).join(',')}` : ''}`);
  });
  device.on('noteTransferredToStacker', (v) => {
    add(`noteTransferredToStacker ${String(v.value)} ${v.currency}`);
  });
  device.on('noteHeldInBezel', (v) => {
    add(`noteHeldInBezel ${String(v.value)} ${v.currency}`);
  });
  device.on('noteAtPowerUp', (n) => {
    add(`noteAtPowerUp ${n.to} ${String(n.value.value)} ${n.value.currency}`);
  });
  device.on('errorDuringPayout', (e) => {
    add(`errorDuringPayout ${String(e.error)} ${e.reason}`);
  });
  device.on('emptying', () => {
    add('emptying');
  });
  device.on('emptied', () => {
    add('emptied');
  });
  device.on('smartEmptying', (p) => {
    add(`smartEmptying ${money(p)}`);
  });
  device.on('smartEmptied', (p) => {
    add(`smartEmptied ${money(p)}`);
  });
  device.on('payoutOutOfService', () => {
    add('payoutOutOfService');
  });
  device.on('payInActive', () => {
    add('payInActive');
  });
  device.on('coinMechEnabled', () => {
    add('coinMechEnabled');
  });
  device.on('coinMechDisabled', () => {
    add('coinMechDisabled');
  });
  device.on('deviceFull', () => {
    add('deviceFull');
  });
  device.on('coinMechJammed', () => {
    add('coinMechJammed');
  });
  device.on('coinMechReturnPressed', () => {
    add('coinMechReturnPressed');
  });
  device.on('coinMechError', (code) => {
    add(`coinMechError ${String(code)}`);
  });
  device.on('jammed', (j) => {
    add(`jammed ${j.safe ? 'safe' : 'unsafe'}`);
  });
  device.on('stacked', () => {
    add('stacked');
  });
  device.on('reinitialising', (r) => {
    add(`reinitialising ${r.reason}`);
  });
  device.on('offline', () => {
    add('offline');
  });
  device.on('online', () => {
    add('online');
  });
  device.on('error', (e) => {
    add(`error ${e.code}`);
  });
}

export interface RigOptions<D extends PayoutDevice> {
  bus?: SspBusOptions;
  /** Runs before the start, for listeners that must see the start-up (the rig's `record` is already on). */
  prepare?: (device: D, log: string[], sim: SspSimulator) => void;
}

/**
 * Simulators on one in-memory link (each answers its own address), one SspBus, and a facade made by `make`;
 * the facade is started.
 */
export async function rig<D extends PayoutDevice>(
  sims: readonly SspSimulatorOptions[],
  make: (bus: SspBus) => D,
  busOptions: SspBusOptions = {},
): Promise<Rig<D>> {
  const [host, end] = createMemoryPair({ names: ['memory:payout-host', 'memory:payout-sims'] });
  return startRig(sims, host, end, host, make, { bus: busOptions });
}

/**
 * One simulator behind the seeded fault transport (`line`, seeded with `seed`) on an in-memory link, one SspBus, and
 * a facade made by `make`, started.
 */
export async function faultyRig<D extends PayoutDevice>(
  sim: SspSimulatorOptions,
  make: (bus: SspBus) => D,
  options: RigOptions<D> & { seed: number },
): Promise<Rig<D> & { line: FaultTransport }> {
  return lineRig(sim, make, (host) => new FaultTransport(host, { seed: options.seed }), options);
}

/** One simulator on an in-memory link whose host end is wrapped by `wrap` (the bus talks to `line`), started. */
export async function lineRig<D extends PayoutDevice, L extends Transport>(
  sim: SspSimulatorOptions,
  make: (bus: SspBus) => D,
  wrap: (host: MemoryTransport) => L,
  options: RigOptions<D> = {},
): Promise<Rig<D> & { line: L }> {
  const [host, end] = createMemoryPair();
  const line = wrap(host);
  const started = await startRig([sim], host, end, line, make, options);
  return { ...started, line };
}

async function startRig<D extends PayoutDevice>(
  sims: readonly SspSimulatorOptions[],
  host: MemoryTransport,
  end: MemoryTransport,
  line: Transport,
  make: (bus: SspBus) => D,
  options: RigOptions<D>,
): Promise<Rig<D>> {
  const simulators = sims.map((o) => new SspSimulator(o));
  const detach = simulators.map((s) => s.attach(end));
  const bus = new SspBus(line, options.bus ?? {});
  const device = make(bus);
  const log: string[] = [];
  record(device, log);
  const sim = simulators[0];
  if (!sim) throw new Error('no simulator');
  options.prepare?.(device, log, sim);
  const started = device.start();
  await vi.advanceTimersByTimeAsync(0);
  await started;
  return {
    sims: simulators,
    sim,
    bus,
    device,
    host,
    log,
    async close() {
      await device.close();
      await bus.close();
      for (const d of detach) d();
      for (const s of simulators) s.close();
      await end.close();
    },
  };
}

/** The code of the KioskbusError `p` rejects with; undefined when it resolves (or rejects with something else). */
export async function errorCode(p: Promise<unknown>): Promise<ErrorCode | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isKioskbusError(e) ? e.code : undefined),
  );
}

/** Lines of the log starting with one of the prefixes. */
export function only(log: readonly string[], ...prefixes: string[]): string[] {
  return log.filter((l) => prefixes.some((p) => l.startsWith(p)));
}

/** The tests' seeded PRNG (mulberry32) for randomized sessions. */
export { prng } from '../helpers/prng.js';
