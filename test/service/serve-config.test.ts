import { describe, expect, it } from 'vitest';
import { parseConfig, simulatedConfig } from '../../src/service/config.js';
import { DEVICE_KINDS } from '../../src/service/devices/types.js';

function problems(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    return String(error);
  }
  return 'accepted';
}

describe('kioskbus.config.json', () => {
  it('accepts a kiosk with its devices and fills the alert defaults', () => {
    const config = parseConfig({
      kiosk: 'lobby-1',
      currency: 'EUR',
      alerts: { cassetteLowCount: 4 },
      mqtt: { url: 'mqtt://broker:1883' },
      devices: [
        { id: 'nv200-0', kind: 'nv200', port: '/dev/ttyUSB0', accept: [500, 1000], fixedKey: '0123456701234567' },
        { id: 'hopper-0', kind: 'smart-hopper', port: '/dev/ttyUSB0', address: 16, alerts: { cashboxFullPct: 80 } },
      ],
    });
    expect(config.devices[0]?.alerts).toEqual({ cashboxFullPct: 90, cassetteLowCount: 4, hysteresis: 5 });
    expect(config.devices[1]?.alerts.cashboxFullPct).toBe(80);
    expect(config.devices[1]?.address).toBe(16);
    expect(config.mqtt).toEqual({ url: 'mqtt://broker:1883' }); // checked by the MQTT bridge's own settings
  });

  it('names every wrong field and how to fix it', () => {
    const text = problems({
      kiosk: 'lobby 1',
      currency: 'eur',
      devicez: [],
      devices: [
        { id: 'nv200-0', kind: 'nv2000', port: '' },
        { id: 'nv200-0', kind: 'nv200', port: '/dev/ttyUSB0', address: 300, fixedKey: 'xyz', accept: [5.5] },
        { id: 'b', kind: 'bill-to-bill', port: 'tcp://h:1', alerts: { cashboxFullPct: 120 }, speed: 1 },
      ],
    });
    expect(text).toMatch(/kiosk: must be a name of letters/);
    expect(text).toMatch(/currency: must be a three-letter ISO 4217 code/);
    expect(text).toMatch(/devicez: unknown field; remove it/);
    expect(text).toMatch(/devices\[0\]\.kind: "nv2000" is not a device kind; use one of nv200, /);
    expect(text).toMatch(/devices\[0\]\.port: must name the port/);
    expect(text).toMatch(/devices\[1\]\.id: "nv200-0" is used twice/);
    expect(text).toMatch(/devices\[1\]\.address: must be a whole number 0\.\.255/);
    expect(text).toMatch(/devices\[1\]\.fixedKey: must be 16 hex digits/);
    expect(text).toMatch(/devices\[1\]\.accept: must be a list of values in minor units/);
    expect(text).toMatch(/devices\[2\]\.alerts\.cashboxFullPct: must be a whole number from 0 to 100/);
    expect(text).toMatch(/devices\[2\]\.speed: unknown field/);
    expect(problems({ devices: [] })).toMatch(/devices: must be a non-empty list/);
    expect(problems([])).toMatch(/must be a JSON object/);
  });

  it('--simulate has one simulated device of every kind, each with its own id', () => {
    const config = simulatedConfig();
    expect(config.devices.map((d) => d.kind).sort()).toEqual([...DEVICE_KINDS].sort());
    expect(new Set(config.devices.map((d) => d.id)).size).toBe(DEVICE_KINDS.length);
    expect(config.devices.every((d) => d.port === 'simulated')).toBe(true);
    expect(() => parseConfig(config)).not.toThrow();
  });
});
