import { format } from 'node:util';
import createDebug from 'debug';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/log.js';

describe('logger', () => {
  afterEach(() => {
    createDebug.disable();
  });

  it('is off by default and writes under kioskbus:<namespace> when enabled', () => {
    const lines: string[] = [];
    const original = createDebug.log;
    createDebug.log = (...args: unknown[]) => {
      lines.push(format(...args));
    };
    try {
      createDebug.disable();
      const log = createLogger('essp:link');
      log('tx %s', '7f 80 01 11 65 82');
      expect(log.enabled).toBe(false);
      expect(lines).toEqual([]);
      createDebug.enable('kioskbus:essp:*');
      const enabled = createLogger('essp:link');
      expect(enabled.enabled).toBe(true);
      enabled('tx %s', '7f 80 01 11 65 82');
      expect(lines.join('\n')).toContain('kioskbus:essp:link');
      expect(lines.join('\n')).toContain('tx 7f 80 01 11 65 82');
      expect(createLogger('ccnet:link').enabled).toBe(false);
    } finally {
      createDebug.log = original;
    }
  });
});
