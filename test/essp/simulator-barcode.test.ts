/**
 * The bar-code ticket flow end to end: the host's bar-code path (SspValidator with `barCode`) against the real
 * simulator over an in-memory link: insert ticket → escrow (GET_BAR_CODE_DATA returns it) → accept →
 * BAR_CODE_TICKET_ACKNOWLEDGE; a ticket is never credited.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SspValidator } from '../../src/essp/devices/validator.js';
import type { SimulatorPair } from '../../src/essp/simulator/pair.js';
import { runScriptLine } from '../../src/essp/simulator/script.js';
import { useValidatorRig } from './validator-rig.js';

let pair: SimulatorPair;
let validator: SspValidator;
let log: string[];
let commands: string[];

const rigs = useValidatorRig();

async function setup(): Promise<void> {
  log = [];
  ({ pair, validator, commands } = await rigs.start({ barCode: { readers: 'top', numChar: 18 } }, {}, {}, (v) => {
    v.on('barcode', (t) => log.push(`barcode ${t.status} ${t.data}`));
    v.on('barcodeStacked', () => log.push('barcodeStacked'));
    v.on('credit', (n) => log.push(`credit ${n.channel}`));
    v.on('rejected', (r) => log.push(`rejected ${r.name}`));
    v.on('error', (e) => log.push(`error ${e.code}`));
  }));
}

describe('eSSP simulator: bar code tickets with the host validator', () => {
  it('insert → escrow with the ticket → accept → acknowledge, no credit', async () => {
    await setup();
    await vi.advanceTimersByTimeAsync(500);
    expect(pair.simulator.state.validator.barcode).toMatchObject({ enabled: 1, characters: 18 });
    expect(runScriptLine(pair.simulator, 'ticket 123456789012345678')).toBe('ticket 123456789012345678 inserted');
    await vi.advanceTimersByTimeAsync(800);
    expect(log).toEqual(['barcode escrow 123456789012345678']);
    expect(commands).toContain('GET_BAR_CODE_DATA');
    await vi.advanceTimersByTimeAsync(2000);
    expect(log).toEqual(['barcode escrow 123456789012345678', 'barcodeStacked']);
    const state = pair.simulator.state.validator;
    expect(state.note).toBeUndefined();
    expect(state.barcode.last).toEqual({ data: '123456789012345678', status: 2 });
    expect(state.counters.stacked).toBe(0); // not a banknote
  });

  it('a ticket is refused when the reader is off, tickets are inhibited or the length is wrong', async () => {
    const plain = await rigs.start();
    expect(plain.pair.simulator.insertTicket('123456')).toEqual({ taken: false, reason: 'no bar code reader enabled' });
    await plain.close();
    await setup();
    expect(pair.simulator.insertTicket('1234')).toEqual({ taken: false, reason: 'ticket must have 18 characters' });
  });

  it('a ticket rejected by the host is reported rejected by GET_BAR_CODE_DATA', async () => {
    await setup();
    let rejecting: Promise<void> | undefined;
    validator.on('barcode', () => {
      rejecting = validator.reject();
    });
    pair.simulator.insertTicket('ABCDEFGHIJKLMNOPQR');
    await vi.advanceTimersByTimeAsync(800);
    await rejecting;
    await vi.advanceTimersByTimeAsync(1500);
    expect(log).toContain('barcode escrow ABCDEFGHIJKLMNOPQR');
    expect(log).not.toContain('barcodeStacked');
    expect(pair.simulator.state.validator.barcode.last).toEqual({ data: 'ABCDEFGHIJKLMNOPQR', status: 3 });
  });
});
