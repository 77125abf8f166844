/** The change-giving demo section runs end to end and pays the exact change from both devices. */
import { describe, expect, it } from 'vitest';
import { demoSections } from '../../../src/cli/demo.js';
import { esspPayoutDemo } from '../../../src/cli/essp/demo-payout.js';

describe('eSSP payout demo', () => {
  it('is registered and pays 8.30 EUR change from the SMART Payout and the SMART Hopper', async () => {
    expect(demoSections).toContain(esspPayoutDemo);
    const lines: string[] = [];
    await esspPayoutDemo.run((l) => lines.push(l), new AbortController().signal);
    expect(lines).toContain('change 8.30 EUR: 5.00 EUR in notes, 3.30 EUR in coins');
    expect(lines).toContain('paid 8.30 EUR (notes 5.00 EUR, coins 3.30 EUR)');
    expect(lines.filter((l) => l.includes('credit'))).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('levels after: notes 3×5.00 EUR 2×10.00 EUR 1×20.00 EUR'))).toBe(true);
  }, 15_000);
});
