import type { DemoSection } from '../types.js';
import { formatMoney } from '../../core/money.js';
import { createMemoryPair } from '../../transport/memory.js';
import { parseCrcSetting, type CrcVariant } from '../../controllerbox/frame.js';
import { ControllerBoxHost, type ControllerBoxHostEventMap } from '../../controllerbox/host.js';
import { ControllerBoxSimulator } from '../../controllerbox/simulator/simulator.js';

function once<K extends keyof ControllerBoxHostEventMap>(
  host: ControllerBoxHost,
  event: K,
  signal: AbortSignal,
): Promise<ControllerBoxHostEventMap[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${event} event within 2 s`));
    }, 2000);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('demo aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const listen = host.once.bind(host) as (
      name: K,
      listener: (value: ControllerBoxHostEventMap[K][0]) => void,
    ) => void;
    listen(event, (value) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}

/** A card-vending session: the host (auto CRC) against the simulated box (XMODEM CRC) on an in-memory link. */
export const controllerboxDemo: DemoSection = {
  title: 'ControllerBox UART: a card-vending session (host <-> simulated box)',
  async run(say, signal) {
    const [hostEnd, boxEnd] = createMemoryPair();
    const box = new ControllerBoxSimulator({
      crc: parseCrcSetting('xmodem') as CrcVariant,
      tcds: 2,
      cardsPerTcd: 6,
      lowThreshold: 5,
      dispenseDelayMs: 150,
    });
    box.attach(boxEnd);
    const host = new ControllerBoxHost(hostEnd, { crc: 'auto', currency: 'VND' });
    try {
      host.on('crcDetected', (e) => {
        say(`CRC variant detected from the box's frames: ${e.name}`);
      });
      const version = await host.version();
      const v = (t: { major: number; minor: number; patch: number }): string => `${t.major}.${t.minor}.${t.patch}`;
      say(`box firmware ${v(version.firmware)}, board ${v(version.board)}`);
      await host.setStatusPolling(true);
      say('status polling on');

      const bill = once(host, 'billAccepted', signal);
      await box.acceptBill(50000);
      const credit = await bill;
      say(`bill accepted: ${formatMoney(credit.value)} (status ${credit.status?.name ?? 'n/a'})`);

      const card = once(host, 'cardEvent', signal);
      const tcdStatus = once(host, 'tcdStatus', signal);
      await host.dispenseCard(0);
      say('dispense card from TCD 0: RESULT_SUCCESS');
      const event = await card;
      say(`card event: TCD ${event.tcd} ${event.direction}`);
      const low = await tcdStatus;
      say(`TCD ${low.tcd} status: ${low.low ? 'low' : 'ok'}${low.empty ? ', empty' : ''}`);

      const tap = once(host, 'rfidDetected', signal);
      await box.tapRfid({ rfid: Uint8Array.of(0x04, 0xa2, 0x2b, 0x1a), money: 0, issueDate: Uint8Array.of(25, 3, 14) });
      const rfid = await tap;
      say(
        `RFID ${rfid.rfid} read: balance ${formatMoney(rfid.money)}, issued ${rfid.issueDate.guess ?? rfid.issueDate.raw}`,
      );
      await host.updateRfid({
        rfid: rfid.rfid,
        money: credit.value,
        issueDate: rfid.issueDate.guess ?? '2025-03-14',
      });
      const written = box.state.rfidWrites.at(-1);
      say(`RFID updated: balance ${written?.money ?? '?'} written to card ${rfid.rfid}`);
      await host.playAudio(1);
      await host.setIo(0x01, 0x01);
      say('played audio 1, switched IO 0 on');
      await host.setStatusPolling(false);
      say(`frames: ${JSON.stringify(host.stats)}`);
    } finally {
      box.close();
      await host.close();
    }
  },
};
