/** One line per probed device, for the terminal. */
import { formatMoney, minorDigits } from '../../core/money.js';
import type { ChannelInfo } from '../../essp/tables/context.js';
import { hex2 } from './shared.js';
import type { ProbedDevice } from './types.js';

/** "5 10 20 EUR" (whole units without decimals), grouped by currency in the order of the channels. */
function formatValues(channels: readonly ChannelInfo[]): string {
  const groups = new Map<string, string[]>();
  for (const c of channels) {
    const digits = minorDigits(c.currency);
    const text = formatMoney({ amount: c.value, currency: c.currency }).replace(` ${c.currency}`, '');
    const short = digits > 0 && c.value % 10 ** digits === 0 ? text.slice(0, -(digits + 1)) : text;
    const list = groups.get(c.currency) ?? [];
    list.push(short);
    groups.set(c.currency, list);
  }
  return [...groups].map(([currency, values]) => `${values.join(' ')} ${currency}`).join(', ');
}

/** One readable line for a device. */
export function formatDevice(device: ProbedDevice): string {
  const parts: string[] = [];
  let head: string;
  switch (device.protocol) {
    case 'essp': {
      head = `essp ${hex2(device.address)}: ${device.unitTypeName ?? 'eSSP device'}`;
      if (device.unitType !== undefined) head += ` (unit type ${hex2(device.unitType)})`;
      if (device.serialNumber !== undefined) parts.push(`serial ${device.serialNumber}`);
      if (device.firmware !== undefined) {
        parts.push(`firmware ${device.firmware}${device.firmwareVersion ? ` (${device.firmwareVersion})` : ''}`);
      } else if (device.firmwareVersion) parts.push(`firmware ${device.firmwareVersion}`);
      if (device.datasetVersion) parts.push(`dataset ${device.datasetVersion}`);
      if (device.country) parts.push(`country ${device.country}`);
      if (device.protocolVersion !== undefined) parts.push(`protocol ${device.protocolVersion}`);
      if (device.channels) parts.push(`${device.channels.length} channels: ${formatValues(device.channels)}`);
      if (device.encrypted) parts.push('read encrypted');
      else if (device.encryptionRequired) parts.push('encryption required (KEY_NOT_SET; --fixed-key reads it)');
      break;
    }
    case 'ccnet': {
      head = `ccnet ${hex2(device.address)}: ${device.deviceClass}`;
      const id = device.identification;
      if (id) {
        parts.push(`part ${id.partNumber || '?'}`, `serial ${id.serialNumber || '?'}`, `asset ${id.assetNumber}`);
        if (id.extended) {
          const versions = Object.entries(id.extended).filter(([, v]) => v !== '');
          if (versions.length > 0) parts.push(versions.map(([k, v]) => `${k} ${v}`).join(' '));
        }
      }
      const coin = device.coinIdentification;
      if (coin) {
        parts.push(`model ${coin.model}`, `serial ${coin.serialNumber}`, `version ${coin.version}`);
        parts.push(`country ${coin.country}`);
      }
      break;
    }
    case 'controllerbox': {
      head = 'controllerbox: ControllerBox';
      if (device.firmware) parts.push(`firmware ${device.firmware}`);
      if (device.board) parts.push(`board ${device.board}`);
      if (device.crc) parts.push(`CRC ${device.crc} (detected)`);
      break;
    }
  }
  const notes = device.notes.length > 0 ? ` [${device.notes.join('; ')}]` : '';
  return `${head}${parts.length > 0 ? `, ${parts.join(', ')}` : ''}${notes}`;
}
