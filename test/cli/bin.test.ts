import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(`${root}dist/cli/main.js`);
if (!built) console.warn('skipping bin tests: run `npm run build` first (CI builds before testing)');

describe.skipIf(!built)('the installed kioskbus command (bin/kioskbus.js -> dist)', () => {
  it('prints its version and help', () => {
    const version = execFileSync(process.execPath, [`${root}bin/kioskbus.js`, '--version'], { encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = execFileSync(process.execPath, [`${root}bin/kioskbus.js`, '--help'], { encoding: 'utf8' });
    expect(help).toContain('Usage: kioskbus <command>');
  });

  it('exits 2 on an unknown command', () => {
    let status = 0;
    try {
      execFileSync(process.execPath, [`${root}bin/kioskbus.js`, 'nope'], { stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
