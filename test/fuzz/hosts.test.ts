/**
 * The hosts' reply handling under fast-check: the real host of each protocol against its real simulator over the
 * FaultTransport (bit flips, drops, inserts, chunking, dark periods) with power cuts, on virtual time. Whatever the
 * seed and the fault rate: no exception escapes, no item is reported twice, nothing is reported that the device did
 * not give, and (eSSP, CCNET) the host loses nothing and never stalls beyond its recovery bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SoakConfig, SoakRow } from '../../soak/common.js';
import { PROTOCOLS, type ProtocolName } from '../../soak/protocols.js';
import { HOST_RUNS, params } from './runs.js';

const configArb: fc.Arbitrary<SoakConfig> = fc.record({
  items: fc.integer({ min: 3, max: 8 }),
  fault: fc.constantFrom(0, 0.001, 0.005, 0.01, 0.02),
  seed: fc.nat(1_000_000),
  powerCutEvery: fc.integer({ min: 0, max: 4 }),
  verbose: fc.constant(false),
});

/** What must hold, for every protocol: no double, nothing invented, no loss the host caused and no hang. */
function checkRow(row: SoakRow): void {
  expect(row.doubled).toBe(0);
  expect(row.reported).toBeLessThanOrEqual(row.items);
  expect(row.lostHost).toBe(0);
  expect(row.hangs).toBe(0);
}

describe.each(['essp', 'ccnet', 'controllerbox'] as ProtocolName[])('fuzz: %s host against the simulator', (name) => {
  it('any seed and fault rate: no exception, no double, nothing reported that the device did not give', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, async (config) => {
        const rows = await PROTOCOLS[name](config);
        for (const row of rows) checkRow(row);
      }),
      params(HOST_RUNS),
    );
  }, 120_000);
});
