/**
 * The device lab page in Debian Chromium (playwright-core): it asks for the token, shows live events, a click
 * disables a device, a payout from the page changes the levels, and it fits a phone. Screenshots go to
 * .vitest/screenshots/ (git-ignored test artefacts). Skipped, with the reason printed, where Chromium is missing.
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, labForBlock, logIn, SHOTS } from './lab-helpers.js';

if (!chromiumAvailable) {
  console.log(`device lab browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
}

describe.skipIf(!chromiumAvailable)('device lab in Chromium', () => {
  const lab = labForBlock([
    ['nv200-0', 'nv200'],
    ['payout-0', 'smart-payout'],
    ['b2b-0', 'bill-to-bill'],
    ['card-0', 'card-reader'],
  ]);

  it('asks for the token once, then shows every device live', async () => {
    await logIn(lab, 4);
    expect(await lab.page.locator('.card').count()).toBe(4);
    expect(await lab.page.evaluate('sessionStorage.getItem("kioskbus-token")')).toBe(lab.running.token);
    await lab.page.reload();
    await lab.page.locator('#conn.live').waitFor(); // no second question: the session keeps the token
    expect(await lab.page.locator('#login.show').count()).toBe(0);
  });

  it('shows a credit in the live log when a note is inserted from the page', async () => {
    const nv = lab.page.locator('#card-nv200-0');
    await nv.locator('select').selectOption('1000');
    await nv.locator('button[data-action="insert"]').click();
    await lab.page.locator('#log li.credit', { hasText: 'nv200-0 credit 10.00 EUR' }).waitFor();
  });

  it('disables a device with a click', async () => {
    await lab.page.locator('#card-nv200-0 button[data-action="disable"]').click();
    await lab.page.locator('#card-nv200-0[data-state="disabled"]').waitFor();
    expect(lab.running.service.view('nv200-0').enabled).toBe(false);
  });

  it('pays out from the page and the levels change', async () => {
    const levels = lab.page.locator('#card-payout-0 [data-role="levels"]');
    await expect.poll(() => levels.textContent()).toContain('10× 10.00 EUR');
    await lab.page.fill('#card-payout-0 input.amount', '10.00');
    await lab.page.locator('#card-payout-0 button[data-action="payout"]').click();
    await lab.page.locator('#log li.payout', { hasText: 'payout-0 payout paid 10.00 EUR' }).waitFor();
    await expect.poll(() => levels.textContent()).toContain('9× 10.00 EUR');
    await lab.page.screenshot({ path: `${SHOTS}/device-lab-desktop.png`, fullPage: true });
  });

  it('fits a phone screen', async () => {
    await lab.page.setViewportSize({ width: 390, height: 844 });
    const overflow = await lab.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await lab.page.screenshot({ path: `${SHOTS}/device-lab-phone.png`, fullPage: true });
    expect(lab.pageErrors).toEqual([]);
  });
});
