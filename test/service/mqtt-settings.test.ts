import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMqttSettings } from '../../src/service/mqtt/settings.js';
import { tempDir } from './mqtt-helpers.js';

describe('MQTT settings', () => {
  it('no mqtt object and no flag: no bridge', () => {
    expect(parseMqttSettings(undefined, 'k1')).toBeUndefined();
  });

  it('the flag alone gives the defaults', () => {
    expect(parseMqttSettings(undefined, 'k1', 'mqtt://user:pass@broker:1883')).toEqual({
      url: 'mqtt://user:pass@broker:1883',
      prefix: 'kioskbus',
      protocolVersion: 4,
      maxRequestAgeMs: 60_000,
      heartbeatMs: 30_000,
    });
  });

  it('the flag takes the place of the url of the file; TLS files are read at start', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    const settings = parseMqttSettings(
      { url: 'mqtt://old:1883', prefix: 'fleet/site-3', protocolVersion: 5, ca: join(dir, 'ca.pem') },
      'k1',
      'mqtts://new:8883',
    );
    expect(settings).toMatchObject({ url: 'mqtts://new:8883', prefix: 'fleet/site-3', protocolVersion: 5 });
    expect(settings?.ca?.toString()).toBe('CA');
  });

  it('names the field and the fix for every bad value', () => {
    expect(() => parseMqttSettings({ url: 'http://x' }, 'k1')).toThrow(/mqtt\.url: .*not an MQTT URL/);
    expect(() => parseMqttSettings({ url: 'not a url' }, 'k1')).toThrow(/mqtt\.url: .*not a URL/);
    expect(() => parseMqttSettings({}, 'k1')).toThrow(/mqtt\.url: give the broker/);
    expect(() => parseMqttSettings({ url: 'mqtt://h', protocolVersion: 3 }, 'k1')).toThrow(/mqtt\.protocolVersion/);
    expect(() => parseMqttSettings({ url: 'mqtt://h', prefix: 'a/+' }, 'k1')).toThrow(/prefix/);
    expect(() => parseMqttSettings({ url: 'mqtt://h', maxRequestAgeMs: 5 }, 'k1')).toThrow(/mqtt\.maxRequestAgeMs/);
    expect(() => parseMqttSettings({ url: 'mqtt://h', ca: '/nonexistent/ca.pem' }, 'k1')).toThrow(
      /mqtt\.ca: cannot read/,
    );
    expect(() => parseMqttSettings({ url: 'mqtt://h', cert: '/x' }, 'k1')).toThrow(/mqtt\.cert/);
    expect(() => parseMqttSettings({ url: 'mqtt://h', colour: 'red' }, 'k1')).toThrow(/mqtt\.colour: unknown setting/);
    expect(() => parseMqttSettings({ url: 'mqtt://h' }, 'kiosk/7')).toThrow(/kiosk id/);
  });
});
