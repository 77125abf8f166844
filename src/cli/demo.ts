import { ccnetDemo } from './ccnet/demo.js';
import { controllerboxDemo } from './controllerbox/demo.js';
import { esspDemo } from './essp/demo.js';
import { esspPayoutDemo } from './essp/demo-payout.js';
import { transportsDemo } from './demo-transports.js';
import type { CliIo, DemoSection } from './types.js';

export type { DemoSection } from './types.js';

/**
 * The sections of the demo, in order. Each protocol adds its session (`src/cli/<protocol>/demo.ts`);
 * the transports section shows a simulator served on TCP and on a pty.
 */
export const demoSections: readonly DemoSection[] = [
  esspDemo,
  esspPayoutDemo,
  ccnetDemo,
  controllerboxDemo,
  transportsDemo,
];

export async function runDemo(io: CliIo, options: { quiet: boolean }): Promise<number> {
  let failed = 0;
  for (const section of demoSections) {
    io.stdout.write(`\n== ${section.title} ==\n`);
    const say = (line: string): void => {
      if (!options.quiet) io.stdout.write(`  ${line}\n`);
    };
    try {
      await section.run(say, io.signal);
      io.stdout.write(`  ok\n`);
    } catch (error) {
      failed += 1;
      io.stdout.write(`  FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  io.stdout.write(`\n${failed === 0 ? 'demo finished' : `demo finished with ${failed} failed section(s)`}\n`);
  return failed === 0 ? 0 : 1;
}
