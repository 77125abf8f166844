import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { describeState, runScriptLine, scriptDelayMs } from '../../src/essp/simulator/script.js';
import { TestHost } from './simulator-harness.js';
import { useFakeTimeAndCloser } from '../helpers/fake-time-closer.js';

useFakeTimeAndCloser();

describe('simulator script lines', () => {
  it('drive the device: insert, reject, counterfeit, jams, fraud, cashbox, path, power cycle', () => {
    const host = new TestHost({ device: 'nv200' });
    const sim = host.sim;
    expect(runScriptLine(sim, 'insert 1')).toBe('note not taken: disabled');
    host.start();
    expect(runScriptLine(sim, '  insert 2   # a 10 EUR note')).toBe('note 2 inserted');
    expect(runScriptLine(sim, 'state')).toContain('note reading ch 2');
    vi.advanceTimersByTime(3000);
    host.poll();
    host.poll();
    vi.advanceTimersByTime(2000);
    expect(host.pollNames()).toContain('CREDIT_NOTE 2');
    expect(runScriptLine(sim, 'insert 1 reject 0x04')).toBe('note 1 inserted');
    vi.advanceTimersByTime(2000);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'NOTE_REJECTING', 'NOTE_REJECTED']);
    expect(sim.state.validator.lastRejectCode).toBe(4);
    runScriptLine(sim, 'insert 3 counterfeit');
    vi.advanceTimersByTime(2000);
    expect(sim.state.validator.lastRejectCode).toBe(2);
    expect(host.pollNames()).toEqual(['READ_NOTE 0', 'NOTE_REJECTING', 'NOTE_REJECTED']);
    expect(runScriptLine(sim, 'jam unsafe')).toBe('unsafe jam');
    expect(sim.state.validator.jam).toBe('unsafe');
    runScriptLine(sim, 'clear-jam');
    expect(sim.state.validator.jam).toBeUndefined();
    runScriptLine(sim, 'fraud 5');
    runScriptLine(sim, 'remove-cashbox');
    expect(runScriptLine(sim, 'state')).toContain('cashbox removed');
    runScriptLine(sim, 'replace-cashbox keep');
    expect(sim.state.validator.cashbox.notes).toBe(1);
    expect(runScriptLine(sim, 'cashbox-level 500')).toBe('cashbox holds 500 notes');
    expect(sim.state.validator.stackerFull).toBe(true);
    runScriptLine(sim, 'path open');
    expect(sim.state.validator.notePathOpen).toBe(true);
    runScriptLine(sim, 'path close');
    expect(host.pollNames()).toEqual([
      'UNSAFE_NOTE_JAM',
      'FRAUD_ATTEMPT 5',
      'CASHBOX_REMOVED',
      'CASHBOX_REPLACED',
      'STACKER_FULL',
      'NOTE_PATH_OPEN',
    ]);
    expect(runScriptLine(sim, 'power-cycle front 3')).toBe('power cycled');
    expect(sim.state.powered).toBe(false);
    vi.advanceTimersByTime(1500);
    host.sync();
    expect(host.pollNames()).toEqual(['SLAVE_RESET', 'NOTE_CLEARED_FROM_FRONT 3', 'DISABLED']);
    expect(describeState(sim)).toMatch(/^NV200 addr 0 disabled; protocol 6;/);
  });

  it('comments and blank lines do nothing; bad lines throw INVALID_ARGUMENT with a hint', () => {
    const { sim } = new TestHost();
    expect(runScriptLine(sim, '')).toBe('');
    expect(runScriptLine(sim, '# just a comment')).toBe('');
    expect(runScriptLine(sim, 'help')).toContain('insert CH');
    for (const [line, message] of [
      ['launch rockets', /unknown command "launch"/],
      ['insert', /missing channel/],
      ['insert two', /channel must be a number/],
      ['insert 1 sideways', /unknown option "sideways"/],
      ['jam maybe', /"safe" or "unsafe"/],
      ['path ajar', /"open" or "close"/],
      ['power-cycle sideways', /front CH/],
      ['remove-cashbox', /does not detect its cashbox/],
      ['fraud', /no FRAUD_ATTEMPT/],
    ] as const) {
      expect(() => runScriptLine(sim, line)).toThrow(message);
      try {
        runScriptLine(sim, line);
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.InvalidArgument });
      }
    }
  });

  it('wait lines give their delay; others none', () => {
    expect(scriptDelayMs('wait 250')).toBe(250);
    expect(scriptDelayMs('WAIT 0x10 # sixteen')).toBe(16);
    expect(scriptDelayMs('insert 1')).toBeUndefined();
    expect(() => scriptDelayMs('wait')).toThrow(/missing wait time/);
    expect(() => scriptDelayMs('wait 1 2')).toThrow(/one number/);
  });
});
