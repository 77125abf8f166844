import { describe, expect, it } from 'vitest';
import { ErrorCode, isKioskbusError, KioskbusError, toKioskbusError } from '../../src/core/errors.js';
import { addMoney, currencyFromBytes, formatMoney, money } from '../../src/core/money.js';

describe('money', () => {
  it('holds integer minor units and an ISO code', () => {
    expect(money(1050, 'EUR')).toEqual({ amount: 1050, currency: 'EUR' });
    expect(formatMoney(money(1050, 'EUR'))).toBe('10.50 EUR');
    expect(formatMoney(money(5, 'USD'))).toBe('0.05 USD');
    expect(formatMoney(money(1000, 'JPY'))).toBe('1000 JPY');
    expect(formatMoney(money(1234, 'KWD'))).toBe('1.234 KWD');
    expect(addMoney(money(500, 'EUR'), money(200, 'EUR'))).toEqual({ amount: 700, currency: 'EUR' });
  });

  it.each([
    [10.5, 'EUR'],
    [-1, 'EUR'],
    [Number.NaN, 'EUR'],
    [100, 'eur'],
    [100, 'EURO'],
  ])('rejects %s %s with INVALID_MONEY', (amount, currency) => {
    expect(() => money(amount, currency)).toThrow(KioskbusError);
    try {
      money(amount, currency);
    } catch (error) {
      expect(isKioskbusError(error, ErrorCode.InvalidMoney)).toBe(true);
    }
  });

  it('refuses to add different currencies', () => {
    expect(() => addMoney(money(1, 'EUR'), money(1, 'GBP'))).toThrow(/cannot add EUR and GBP/);
  });

  it('reads currency codes from device bytes', () => {
    expect(currencyFromBytes(Uint8Array.of(0x45, 0x55, 0x52))).toBe('EUR');
    expect(currencyFromBytes(Uint8Array.of(0x65, 0x75, 0x72))).toBe('EUR');
    expect(() => currencyFromBytes(Uint8Array.of(0, 1, 2))).toThrow(/not a currency code/);
  });
});

describe('KioskbusError', () => {
  it('carries a code, a context and the raw bytes in its message', () => {
    const error = new KioskbusError(ErrorCode.CrcMismatch, 'bad CRC', { raw: Uint8Array.of(0x7f, 0x80), address: 0 });
    expect(error.code).toBe('CRC_MISMATCH');
    expect(error.context.address).toBe(0);
    expect(error.message).toBe('bad CRC [CRC_MISMATCH] (bytes: 7f 80)');
    expect(error).toBeInstanceOf(Error);
    expect(isKioskbusError(error)).toBe(true);
    expect(isKioskbusError(error, ErrorCode.Timeout)).toBe(false);
    expect(isKioskbusError(new Error('x'))).toBe(false);
  });

  it('wraps foreign errors and keeps them as the cause', () => {
    const cause = new Error('EIO');
    const wrapped = toKioskbusError(cause, ErrorCode.TransportError, { path: '/dev/ttyUSB0' });
    expect(wrapped.code).toBe(ErrorCode.TransportError);
    expect(wrapped.cause).toBe(cause);
    expect(wrapped.context.path).toBe('/dev/ttyUSB0');
    expect(toKioskbusError(wrapped, ErrorCode.Timeout)).toBe(wrapped);
    expect(toKioskbusError('text', ErrorCode.Failure).message).toContain('text');
  });
});
