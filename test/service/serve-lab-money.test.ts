/**
 * The device lab page drives the money flows of the CCNET coin changer, the CCNET card reader and the ControllerBox
 * in Debian Chromium (playwright-core): a coin payout changes the tubes, a vend waits for the card tapped from the
 * page, a card is dispensed, and a lost answer shows as an uncertain outcome with its alert. Screenshots go to
 * .vitest/screenshots/. Skipped, with the reason printed, where Chromium is missing.
 */
import { describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumAvailable, labForBlock, SHOTS } from './lab-helpers.js';

if (!chromiumAvailable) {
  console.log(`device lab money test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
}

describe.skipIf(!chromiumAvailable)('device lab money flows in Chromium', () => {
  const lab = labForBlock(
    [
      ['coins-0', 'coin-changer'],
      ['card-0', 'card-reader'],
      ['box-0', 'controllerbox'],
    ],
    3,
  );

  it('pays coins out of the changer from the page and the tubes go down', async () => {
    const levels = lab.page.locator('#card-coins-0 [data-role="levels"]');
    await expect.poll(() => levels.textContent(), { timeout: 10_000 }).toContain('20× 0.20 EUR');
    await lab.page.fill('#card-coins-0 input.amount', '0.35');
    await lab.page.locator('#card-coins-0 button[data-action="payout"]').click();
    await lab.page.locator('#log li.payout', { hasText: 'coins-0 payout paid 0.35 EUR' }).waitFor();
    await expect.poll(() => levels.textContent(), { timeout: 10_000 }).toContain('19× 0.20 EUR');
    expect(lab.running.service.journal.since(0, 10_000).filter((r) => r.type === 'payout_request')).toHaveLength(1);
  });

  it('charges a card: the vend waits until a card is tapped on the page', async () => {
    await lab.page.fill('#card-card-0 input.amount', '3.50');
    await lab.page.locator('#card-card-0 button[data-action="vend"]').click();
    await lab.page.locator('#log li', { hasText: 'card-0 vend_waiting_for_card' }).waitFor();
    await lab.page.locator('#card-card-0 button[data-action="tap"]').click();
    await lab.page.locator('#log li.payout', { hasText: 'card-0 vend paid 3.50 EUR' }).waitFor();
    expect(lab.running.service.journal.since(0, 10_000).filter((r) => r.type === 'vend_result')).toHaveLength(1);
  });

  it('dispenses a card from the ControllerBox', async () => {
    await lab.page.locator('#card-box-0 select[aria-label="card dispenser box-0"]').selectOption('1');
    await lab.page.locator('#card-box-0 button[data-action="dispense-card"]').click();
    await lab.page.locator('#log li.payout', { hasText: 'box-0 card from dispenser 1 dispensed' }).waitFor();
    await lab.page.locator('#log li', { hasText: 'box-0 card_dispensed' }).waitFor();
  });

  it('shows a payout whose answer was lost as uncertain, with its alert on the card', async () => {
    await lab.page.locator('#card-coins-0 button[data-action="lose-answer"]').click();
    await lab.page.fill('#card-coins-0 input.amount', '0.05');
    await lab.page.locator('#card-coins-0 button[data-action="payout"]').click();
    await lab.page.locator('#error', { hasText: 'payout uncertain' }).waitFor();
    await lab.page.locator('#log li.payout', { hasText: 'coins-0 payout uncertain' }).waitFor();
    await lab.page.locator('#card-coins-0 .alert', { hasText: 'uncertain pending' }).waitFor();
    await lab.page.screenshot({ path: `${SHOTS}/device-lab-money.png`, fullPage: true });
    expect(lab.pageErrors).toEqual([]);
  });
});
