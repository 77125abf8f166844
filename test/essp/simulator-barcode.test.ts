/**
 * The bar-code ticket flow end to end: the host's bar-code path (SspValidator with `barCode`) against the real
 * simulator over an in-memory link: insert ticket → escrow (GET_BAR_CODE_DATA returns it) → accept →
 * BAR_CODE_TICKET_ACKNOWLEDGE; a ticket is never credited.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SspBus } from '../../src/essp/bus.js';
import { SspValidator } from '../../src/essp/devices/validator.js';
import { startSimulatorPair, type SimulatorPair } from '../../src/essp/simulator/pair.js';
import { runScriptLine } from '../../src/essp/simulator/script.js';

let pair: SimulatorPair;
let bus: SspBus;
let validator: SspValidator;
let log: string[];
let commands: string[];

async function setup(): Promise<void> {
  pair = startSimulatorPair({ device: 'nv200' });
  commands = [];
  pair.simulator.on('command', (c) => commands.push(c.name));
  bus = new SspBus(pair.host, {});
  validator = new SspValidator(bus, { barCode: { readers: 'top', numChar: 18 } });
  log = [];
  validator.on('barcode', (t) => log.push(`barcode ${t.status} ${t.data}`));
  validator.on('barcodeStacked', () => log.push('barcodeStacked'));
  validator.on('credit', (n) => log.push(`credit ${n.channel}`));
  validator.on('rejected', (r) => log.push(`rejected ${r.name}`));
  validator.on('error', (e) => log.push(`error ${e.code}`));
  const started = validator.start();
  await vi.advanceTimersByTimeAsync(0);
  await started;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await validator.close();
  await bus.close();
  await pair.close();
  vi.useRealTimers();
});

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
    pair = startSimulatorPair({ device: 'nv200' });
    bus = new SspBus(pair.host, {});
    validator = new SspValidator(bus, {});
    await Promise.all([validator.start(), vi.advanceTimersByTimeAsync(0)]);
    expect(pair.simulator.insertTicket('123456')).toEqual({ taken: false, reason: 'no bar code reader enabled' });
    await validator.close();
    await bus.close();
    await pair.close();
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
