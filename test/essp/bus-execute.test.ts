/** `SspBus.execute`: one table command end to end against the real simulator (encode, exchange, judge, decode). */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type KioskbusError } from '../../src/core/errors.js';
import { SspBus } from '../../src/essp/bus.js';
import { COMMANDS } from '../../src/essp/commands.js';
import { startSimulatorPair, type SimulatorPair } from '../../src/essp/simulator/pair.js';

let pair: SimulatorPair | undefined;
let bus: SspBus | undefined;
afterEach(async () => {
  await bus?.close();
  await pair?.close();
});

async function start(device: 'nv200' | 'smart-payout'): Promise<SspBus> {
  pair = startSimulatorPair({ device, replyLatencyMs: 0 });
  bus = new SspBus(pair.host);
  await bus.sync(0);
  return bus;
}

describe('SspBus.execute', () => {
  it('encodes, exchanges and decodes: SETUP_REQUEST gives the typed set-up, with the reply seen first', async () => {
    const b = await start('nv200');
    const seen: number[] = [];
    const setup = await b.execute(0, COMMANDS.SETUP_REQUEST, undefined, { onReply: (r) => seen.push(r[0] ?? -1) });
    expect(seen).toEqual([0xf0]);
    expect(setup.channels.length).toBeGreaterThan(0);
    expect(setup.channels[0]?.currency).toMatch(/^[A-Z]{3}$/);
  });

  it('a refusal is its typed error with the address, the command, the generic code and the raw reply', async () => {
    const b = await start('smart-payout');
    // a payout device refuses PAYOUT_AMOUNT in plain text (encryption required): KEY_NOT_SET, before any key
    const error = (await b
      .execute(0, COMMANDS.PAYOUT_AMOUNT, { amount: 500, currency: 'EUR' }, { encrypt: false })
      .catch((e: unknown) => e)) as KioskbusError;
    expect(error.context.address).toBe(0);
    expect(error.context.command).toBe('PAYOUT_AMOUNT');
    expect(typeof error.context.generic).toBe('number');
    expect(error.context.raw?.[0]).toBe(error.context.generic);
  });

  it('bad arguments reject with INVALID_ARGUMENT before anything is sent', async () => {
    const b = await start('nv200');
    const sent = b.stats.exchanges;
    const error = (await b
      .execute(0, COMMANDS.SET_CHANNEL_INHIBITS, { channels: [], bytes: 99 })
      .catch((e: unknown) => e)) as KioskbusError;
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.context.command).toBe('SET_CHANNEL_INHIBITS');
    expect(b.stats.exchanges).toBe(sent);
  });
});
