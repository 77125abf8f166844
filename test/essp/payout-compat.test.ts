/**
 * Every payout command of the seed library's table through kioskbus/compat/essp with the seed's argument shapes,
 * against the payout simulators served on TCP (real timers, short mechanics).
 */
import { afterEach, describe, expect, it } from 'vitest';
import SSP from '../../src/compat/essp.js';
import { hopperOf, noteRecyclerOf, nv11Of } from '../../src/essp/simulator/payout/index.js';
import type { PayoutSimOptions } from '../../src/essp/simulator/payout/types.js';
import { SspSimulator } from '../../src/essp/simulator/simulator.js';
import type { SimDeviceName } from '../../src/essp/simulator/profiles.js';
import { serveTcp } from '../../src/transport/tcp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const FAST = { itemMs: 40, cashboxMs: 30, takeNoteMs: 40, jamRecoveryMs: 50, feedMs: 20 };

async function open(
  device: SimDeviceName,
  id: number,
  payout: PayoutSimOptions,
): Promise<{ sim: SspSimulator; eSSP: SSP }> {
  const sim = new SspSimulator({ device, replyLatencyMs: 1, payout: { timing: FAST, ...payout } });
  const server = await serveTcp({ host: '127.0.0.1', port: 0 }, (transport) => {
    sim.attach(transport);
  });
  const eSSP = new SSP({ id, timeout: 3000, fixedKey: '0123456701234567' });
  cleanups.push(async () => {
    await eSSP.close();
    await server.close();
    sim.close();
  });
  await eSSP.open(server.url);
  // payout devices answer KEY_NOT_SET to everything but SYNC and the key exchange: key first
  expect((await eSSP.command('SYNC')).success).toBe(true);
  expect((await eSSP.initEncryption()).success).toBe(true);
  expect((await eSSP.command('HOST_PROTOCOL_VERSION', { version: 6 })).status).toBe('OK');
  expect((await eSSP.command('SETUP_REQUEST')).success).toBe(true);
  return { sim, eSSP };
}

function next(eSSP: SSP, name: string, ms = 4000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${name} within ${String(ms)} ms`));
    }, ms);
    eSSP.once(name, (info: Record<string, unknown>) => {
      clearTimeout(timer);
      resolve(info);
    });
  });
}

describe('compat: payout commands with the seed argument shapes', () => {
  it('SMART Payout: routes, levels, payout, float, empty, refill, payout enable', async () => {
    const { sim, eSSP } = await open('smart-payout', 0, {
      levels: [
        { value: 500, count: 4 },
        { value: 1000, count: 4 },
      ],
    });
    const ok = async (name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const result = await eSSP.command(name, args);
      expect({ name, status: result.status }).toEqual({ name, status: 'OK' });
      return result.info as Record<string, unknown>;
    };
    await ok('ENABLE_PAYOUT_DEVICE', { REQUIRE_FULL_STARTUP: true, OPTIMISE_FOR_PAYIN_SPEED: true });
    expect(noteRecyclerOf(sim).payoutOptions).toEqual({ bit0: true, bit1: true });
    await ok('SET_DENOMINATION_ROUTE', { route: 'cashbox', value: 5000, country_code: 'EUR' });
    expect(await ok('GET_DENOMINATION_ROUTE', { isHopper: false, value: 5000, country_code: 'EUR' })).toMatchObject({
      code: 1,
    });
    await ok('SET_DENOMINATION_ROUTE', { route: 'payout', value: 5000, country_code: 'EUR' });
    expect(await ok('GET_DENOMINATION_LEVEL', { amount: 1000, country_code: 'EUR' })).toMatchObject({ level: 4 });
    const levels = await ok('GET_ALL_LEVELS');
    expect(JSON.stringify(levels)).toContain('"denomination_level":4');
    await ok('SET_REFILL_MODE', { mode: 'on' });
    expect(noteRecyclerOf(sim).refillMode).toBe(true);
    await ok('SET_REFILL_MODE', { mode: 'get' });
    expect(await ok('GET_MINIMUM_PAYOUT')).toEqual({ value: 500 }); // the smallest note stored

    // a disabled device refuses payouts (error byte 4); test mode: nothing moves; then a real payout with its events
    expect(await eSSP.command('PAYOUT_AMOUNT', { amount: 1500, country_code: 'EUR', test: true })).toMatchObject({
      success: false,
      info: { errorCode: 4 },
    });
    expect((await eSSP.enable()).status).toBe('OK');
    await ok('PAYOUT_AMOUNT', { amount: 1500, country_code: 'EUR', test: true });
    const refused = await eSSP.command('PAYOUT_AMOUNT', { amount: 1234, country_code: 'EUR', test: true });
    expect(refused).toMatchObject({ success: false, status: 'COMMAND_CANNOT_BE_PROCESSED', info: { errorCode: 2 } });
    const dispensed = next(eSSP, 'DISPENSED');
    await ok('PAYOUT_AMOUNT', { amount: 1500, country_code: 'EUR', test: false });
    expect(JSON.stringify(await dispensed)).toContain('1500');

    await ok('PAYOUT_BY_DENOMINATION', {
      value: [{ number: 1, denomination: 500, country_code: 'EUR' }],
      test: false,
    });
    await next(eSSP, 'DISPENSED');
    const floated = next(eSSP, 'FLOATED');
    await ok('FLOAT_AMOUNT', { min_possible_payout: 500, amount: 2000, country_code: 'EUR', test: false });
    await floated;
    await ok('FLOAT_BY_DENOMINATION', { value: [{ number: 1, denomination: 1000, country_code: 'EUR' }], test: false });
    await next(eSSP, 'FLOATED');
    await ok('CASHBOX_PAYOUT_OPERATION_DATA');
    const emptied = next(eSSP, 'SMART_EMPTIED');
    await ok('SMART_EMPTY');
    await emptied;
    await ok('EMPTY_ALL');
    await next(eSSP, 'EMPTIED');
    await ok('HALT_PAYOUT');
    await ok('DISABLE_PAYOUT_DEVICE');
    expect(noteRecyclerOf(sim).accounting().balanced).toBe(true);
    expect(noteRecyclerOf(sim).accounting().currencies[0]?.paidOut).toBe(2000);
  }, 20_000);

  it('SMART Hopper: levels, coin mech inhibits, global inhibit, options, coin mech options, coin credit', async () => {
    const { sim, eSSP } = await open('smart-hopper', 0x10, { levels: [{ value: 100, count: 5 }] });
    const ok = async (name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const result = await eSSP.command(name, args);
      expect({ name, status: result.status }).toEqual({ name, status: 'OK' });
      return result.info as Record<string, unknown>;
    };
    await ok('SET_DENOMINATION_LEVEL', { value: 10, denomination: 50, country_code: 'EUR' });
    expect(hopperOf(sim).level(50)).toBe(10);
    await ok('SET_COIN_MECH_INHIBITS', { amount: 200, inhibited: true });
    expect(hopperOf(sim).inhibitedCoins.has('EUR:200')).toBe(true);
    await ok('SET_COIN_MECH_GLOBAL_INHIBIT', { enable: true });
    await ok('SET_HOPPER_OPTIONS', { payMode: true, levelCheck: true, motorSpeed: true, cashBoxPayAcive: true });
    expect(hopperOf(sim).reg0).toBe(0b1111);
    expect(await ok('GET_HOPPER_OPTIONS')).toEqual({
      payMode: true,
      levelCheck: true,
      motorSpeed: true,
      cashBoxPayAcive: true,
    });
    await ok('COIN_MECH_OPTIONS', { ccTalk: false });
    await ok('GET_DENOMINATION_ROUTE', { isHopper: true, value: 100, country_code: 'EUR' });
    expect((await eSSP.enable()).status).toBe('OK');
    const credit = next(eSSP, 'COIN_CREDIT');
    hopperOf(sim).insertCoin(100);
    expect(JSON.stringify(await credit)).toContain('100');
    const dispensed = next(eSSP, 'DISPENSED');
    await ok('PAYOUT_AMOUNT', { amount: 150, country_code: 'EUR', test: false });
    await dispensed;
    expect(hopperOf(sim).accounting()).toMatchObject({ balanced: true });
  }, 20_000);

  it('NV11: value reporting, note positions, payout note, stack note', async () => {
    const { sim, eSSP } = await open('nv11', 0, {
      levels: [
        { value: 1000, count: 1 },
        { value: 2000, count: 1 },
      ],
    });
    const ok = async (name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const result = await eSSP.command(name, args);
      expect({ name, status: result.status }).toEqual({ name, status: 'OK' });
      return result.info as Record<string, unknown>;
    };
    await ok('ENABLE_PAYOUT_DEVICE', { GIVE_VALUE_ON_STORED: true, NO_HOLD_NOTE_ON_PAYOUT: true });
    await ok('SET_VALUE_REPORTING_TYPE', { reportBy: 'channel' });
    expect(nv11Of(sim).reportBy).toBe('channel');
    await ok('SET_VALUE_REPORTING_TYPE', { reportBy: 'value' });
    expect(JSON.stringify(await ok('GET_NOTE_POSITIONS'))).toContain('2000');
    expect((await eSSP.enable()).status).toBe('OK');
    const dispensed = next(eSSP, 'DISPENSED');
    await ok('PAYOUT_NOTE');
    expect(JSON.stringify(await dispensed)).toContain('2000');
    const stacked = next(eSSP, 'NOTE_TRANSFERED_TO_STACKER');
    await ok('STACK_NOTE');
    expect(JSON.stringify(await stacked)).toContain('1000');
    expect(nv11Of(sim).notes()).toEqual([]);
  }, 20_000);
});
