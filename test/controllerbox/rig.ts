import { afterEach, beforeEach, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { BOX_EVENTS } from './helpers.js';
import { createMemoryPair, type MemoryTransport } from '../../src/transport/memory.js';
import type { Transport } from '../../src/transport/types.js';
import {
  ControllerBoxHost,
  type ControllerBoxHostEventMap,
  type ControllerBoxHostOptions,
} from '../../src/controllerbox/host.js';
import {
  ControllerBoxSimulator,
  type ControllerBoxSimulatorOptions,
} from '../../src/controllerbox/simulator/simulator.js';

export type Recorded = { [K in keyof ControllerBoxHostEventMap]?: ControllerBoxHostEventMap[K][] };
/** The first argument of each event, by name. */
export type RecordedFirsts = { [K in keyof ControllerBoxHostEventMap]?: ControllerBoxHostEventMap[K][0][] };

export interface BoxRig {
  host: ControllerBoxHost;
  sim: ControllerBoxSimulator;
  hostEnd: MemoryTransport;
  boxEnd: MemoryTransport;
  /** Every frame the host wrote (after any tamper of the host end), hex. */
  hostWrites: string[];
  /** Every host event with its arguments, by name. */
  seen: Recorded;
  /** Every host event's first argument, by name. */
  events: RecordedFirsts;
  close(): Promise<void>;
}

const ALL_EVENTS: readonly (keyof ControllerBoxHostEventMap)[] = [
  ...BOX_EVENTS,
  'unknown',
  'frameError',
  'suspectFrame',
  'crcDetected',
  'duplicate',
  'uncertain',
  'state',
  'offline',
  'online',
  'problem',
  'error',
];

/** A host on one end of a memory pair (optionally wrapped, e.g. in a FaultTransport), the simulator on the other. */
export function boxRig(
  hostOptions: ControllerBoxHostOptions = {},
  simOptions: ControllerBoxSimulatorOptions = {},
  wrap: (hostEnd: MemoryTransport) => Transport = (t) => t,
): BoxRig {
  const [hostEnd, boxEnd] = createMemoryPair();
  const hostWrites: string[] = [];
  hostEnd.onWrite = (bytes) => hostWrites.push(toHex(bytes));
  const host = new ControllerBoxHost(wrap(hostEnd), hostOptions);
  const sim = new ControllerBoxSimulator({ dispenseDelayMs: 5, ...simOptions });
  sim.attach(boxEnd);
  const seen: Recorded = {};
  const events: RecordedFirsts = {};
  const record = seen as Record<string, unknown[][]>;
  const recordFirst = events as Record<string, unknown[]>;
  const listen = host.on.bind(host) as (name: string, listener: (...args: unknown[]) => void) => unknown;
  for (const name of ALL_EVENTS) {
    listen(name, (...args) => {
      (record[name] ??= []).push(args);
      (recordFirst[name] ??= []).push(args[0]);
    });
  }
  return {
    host,
    sim,
    hostEnd,
    boxEnd,
    hostWrites,
    seen,
    events,
    async close() {
      sim.close();
      await host.close();
    },
  };
}

/** The first argument of every `name` event. */
export function firsts<K extends keyof ControllerBoxHostEventMap>(
  seen: Recorded,
  name: K,
): ControllerBoxHostEventMap[K][0][] {
  return (seen[name] ?? []).map((args) => args[0]);
}

/**
 * One rig list per test file: returns `rig(...)` (same arguments as `boxRig`), whose rigs are closed after each test;
 * with `fakeTimers` (default) every test runs on vitest's fake timers.
 */
export function useBoxRigs(options: { fakeTimers?: boolean } = {}): (...args: Parameters<typeof boxRig>) => BoxRig {
  const fake = options.fakeTimers ?? true;
  const rigs: BoxRig[] = [];
  beforeEach(() => {
    if (fake) vi.useFakeTimers();
  });
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.close();
    vi.useRealTimers();
  });
  return (...args) => {
    const r = boxRig(...args);
    rigs.push(r);
    return r;
  };
}
