/**
 * The ControllerBox message table: every command, status and event is one entry (id, name, kind, DATA encoder and
 * decoder for the message and for its response). The host and the simulator both read it, so they cannot drift apart.
 *
 * Layouts follow the decisions of research note §5.2: the field lists win over contradicting DATA_LEN values, but the
 * decoders also accept the documented lengths (a field then reads as absent). A length that fits no reading is
 * BAD_FRAME with the raw DATA, never a value.
 */
import {
  badLength,
  checkByte,
  checkBytes,
  checkUint,
  encodeTriple,
  noData,
  oneByte,
  readUint,
  resultOnly,
  triple,
  writeUint,
  type MessageCodec,
} from './codec.js';
import type {
  BillAcceptedPayload,
  BillAcceptorStatusPayload,
  CardEventPayload,
  ControlIoPayload,
  DeviceErrorPayload,
  DispenseCardPayload,
  EmptyPayload,
  PlayAudioPayload,
  ResultResponse,
  RfidDetectedPayload,
  SettingPayload,
  TcdStatusPayload,
  UpdateRfidPayload,
  VersionResponse,
} from './payloads.js';

const RESET: MessageCodec<EmptyPayload, ResultResponse> = {
  id: 0x01,
  name: 'RESET',
  kind: 'command',
  lengths: 'request 0, response 1',
  ...noData('RESET'),
  ...resultOnly('RESET'),
};

const REQUEST_VERSION: MessageCodec<EmptyPayload, VersionResponse> = {
  id: 0x02,
  name: 'REQUEST_VERSION',
  kind: 'command',
  lengths: 'request 0, response 7 (result, firmware major/minor/patch, board major/minor/patch) or 1',
  ...noData('REQUEST_VERSION'),
  encodeResponse(r) {
    const name = 'REQUEST_VERSION';
    if (!r.firmware || !r.board) return Uint8Array.of(checkByte(name, 'result', r.result));
    return Uint8Array.of(
      checkByte(name, 'result', r.result),
      ...encodeTriple(name, 'firmware', r.firmware),
      ...encodeTriple(name, 'board', r.board),
    );
  },
  decodeResponse(data) {
    if (data.length === 1) return { result: data[0] ?? 0 };
    if (data.length !== 7) throw badLength('REQUEST_VERSION response', data, '7 or 1');
    return { result: data[0] ?? 0, firmware: triple(data, 1), board: triple(data, 4) };
  },
};

const SETTING: MessageCodec<SettingPayload, ResultResponse> = {
  id: 0x03,
  name: 'SETTING',
  kind: 'command',
  lengths: 'request 1 (enable status polling), response 1',
  encode: (m) => Uint8Array.of(m.statusPolling ? 1 : 0),
  decode(data) {
    if (data.length !== 1) throw badLength('SETTING', data, '1');
    return { statusPolling: data[0] !== 0 };
  },
  ...resultOnly('SETTING'),
};

const DISPENSE_CARD: MessageCodec<DispenseCardPayload, ResultResponse> = {
  id: 0x11,
  name: 'DISPENSE_CARD',
  kind: 'command',
  lengths: 'request 1 (tcdId), response 1',
  ...oneByte('DISPENSE_CARD', 'tcd'),
  ...resultOnly('DISPENSE_CARD'),
};

const UPDATE_RFID: MessageCodec<UpdateRfidPayload, ResultResponse> = {
  id: 0x12,
  name: 'UPDATE_RFID',
  kind: 'command',
  lengths: 'request rfidLen + 9 (index, rfidLen, rfid, money u32, issue date 3), response 1',
  encode(m, o) {
    const name = 'UPDATE_RFID';
    const rfid = checkBytes(name, 'rfid', m.rfid, 1, 255 - 9);
    checkBytes(name, 'issueDate', m.issueDate, 3, 3);
    const out = new Uint8Array(rfid.length + 9);
    out[0] = checkByte(name, 'rfidIndex', m.rfidIndex);
    out[1] = rfid.length;
    out.set(rfid, 2);
    writeUint(out, 2 + rfid.length, checkUint(name, 'money', m.money, 4), 4, o.moneyOrder);
    out.set(m.issueDate, 6 + rfid.length);
    return out;
  },
  decode(data, o) {
    const n = data[1] ?? 0;
    // rfidLen 0 declares no card id: no reading (9 zero bytes, whose CRC-16/ARC is 0000, would otherwise decode)
    if (data.length < 2 || n === 0 || data.length !== n + 9) {
      throw badLength('UPDATE_RFID', data, 'rfidLen + 9 with rfidLen 1..246');
    }
    return {
      rfidIndex: data[0] ?? 0,
      rfid: data.slice(2, 2 + n),
      money: readUint(data, 2 + n, 4, o.moneyOrder),
      issueDate: data.slice(6 + n, 9 + n),
    };
  },
  ...resultOnly('UPDATE_RFID'),
};

const PLAY_AUDIO: MessageCodec<PlayAudioPayload, ResultResponse> = {
  id: 0x13,
  name: 'PLAY_AUDIO',
  kind: 'command',
  lengths: 'request 1 (audio index), response 1',
  ...oneByte('PLAY_AUDIO', 'audioIndex'),
  ...resultOnly('PLAY_AUDIO'),
};

const CONTROL_IO: MessageCodec<ControlIoPayload, ResultResponse> = {
  id: 0x14,
  name: 'CONTROL_IO',
  kind: 'command',
  lengths: 'request 2 (select mask, level mask; 4 or 8 with wider masks), response 1',
  encode(m, o) {
    const width = m.maskBytes ?? o.ioMaskBytes;
    const out = new Uint8Array(2 * width);
    writeUint(out, 0, checkUint('CONTROL_IO', 'selectMask', m.selectMask, width), width, 'be');
    writeUint(out, width, checkUint('CONTROL_IO', 'levelMask', m.levelMask, width), width, 'be');
    return out;
  },
  decode(data) {
    const width = data.length / 2;
    if (width !== 1 && width !== 2 && width !== 4) throw badLength('CONTROL_IO', data, '2, 4 or 8');
    return {
      selectMask: readUint(data, 0, width, 'be'),
      levelMask: readUint(data, width, width, 'be'),
      maskBytes: width,
    };
  },
  ...resultOnly('CONTROL_IO'),
};

const DEVICE_ERROR: MessageCodec<DeviceErrorPayload, ResultResponse> = {
  id: 0x30,
  name: 'DEVICE_ERROR',
  kind: 'status',
  lengths: '2 (ERROR_FLAG u16 big-endian) or the documented 1',
  encode(m, o) {
    if (o.layout === 'documented') return Uint8Array.of(checkByte('DEVICE_ERROR', 'flags', m.flags));
    const flags = checkUint('DEVICE_ERROR', 'flags', m.flags, 2);
    return Uint8Array.of(flags >>> 8, flags & 0xff);
  },
  decode(data) {
    if (data.length === 2) return { flags: readUint(data, 0, 2, 'be') };
    if (data.length === 1) return { flags: data[0] ?? 0 };
    throw badLength('DEVICE_ERROR', data, '2 or 1');
  },
  ...resultOnly('DEVICE_ERROR'),
};

const BILL_ACCEPTOR_STATUS: MessageCodec<BillAcceptorStatusPayload, ResultResponse> = {
  id: 0x31,
  name: 'BILL_ACCEPTOR_STATUS',
  kind: 'status',
  lengths: '1',
  ...oneByte('BILL_ACCEPTOR_STATUS', 'code'),
  ...resultOnly('BILL_ACCEPTOR_STATUS'),
};

const TCD_STATUS: MessageCodec<TcdStatusPayload, ResultResponse> = {
  id: 0x32,
  name: 'TCD_STATUS',
  kind: 'status',
  lengths: '4 (index, error, low, empty)',
  encode: (m) => Uint8Array.of(checkByte('TCD_STATUS', 'tcd', m.tcd), m.error ? 1 : 0, m.low ? 1 : 0, m.empty ? 1 : 0),
  decode(data) {
    if (data.length !== 4) throw badLength('TCD_STATUS', data, '4');
    return { tcd: data[0] ?? 0, error: data[1] !== 0, low: data[2] !== 0, empty: data[3] !== 0 };
  },
  ...resultOnly('TCD_STATUS'),
};

const RFID_DETECTED: MessageCodec<RfidDetectedPayload, ResultResponse> = {
  id: 0x50,
  name: 'RFID_DETECTED',
  kind: 'event',
  lengths: 'rfidLen + 9 (rfidLen, rfid, money u32, issue date 3, error) or the documented rfidLen + 8 (no error)',
  encode(m, o) {
    const name = 'RFID_DETECTED';
    const rfid = checkBytes(name, 'rfid', m.rfid, 1, 255 - 9);
    checkBytes(name, 'issueDate', m.issueDate, 3, 3);
    const out = new Uint8Array(rfid.length + (o.layout === 'fields' ? 9 : 8));
    out[0] = rfid.length;
    out.set(rfid, 1);
    writeUint(out, 1 + rfid.length, checkUint(name, 'money', m.money, 4), 4, o.moneyOrder);
    out.set(m.issueDate, 5 + rfid.length);
    if (out.length === rfid.length + 9) out[8 + rfid.length] = checkByte(name, 'error', m.error ?? 0);
    return out;
  },
  decode(data, o) {
    const n = data[0] ?? 0;
    if (data.length < 1 || n === 0 || (data.length !== n + 9 && data.length !== n + 8)) {
      throw badLength('RFID_DETECTED', data, 'rfidLen + 9 or rfidLen + 8 with rfidLen 1..247');
    }
    const payload: RfidDetectedPayload = {
      rfid: data.slice(1, 1 + n),
      money: readUint(data, 1 + n, 4, o.moneyOrder),
      issueDate: data.slice(5 + n, 8 + n),
    };
    if (data.length === n + 9) payload.error = data[8 + n] ?? 0;
    return payload;
  },
  ...resultOnly('RFID_DETECTED'),
};

const BILL_ACCEPTED: MessageCodec<BillAcceptedPayload, ResultResponse> = {
  id: 0x51,
  name: 'BILL_ACCEPTED',
  kind: 'event',
  lengths: '5 (value u32, status) or the documented 4 (value only)',
  encode(m, o) {
    const documented = o.layout === 'documented';
    const out = new Uint8Array(documented ? 4 : 5);
    writeUint(out, 0, checkUint('BILL_ACCEPTED', 'value', m.value, 4), 4, o.moneyOrder);
    if (!documented) out[4] = checkByte('BILL_ACCEPTED', 'status', m.status ?? 0);
    return out;
  },
  decode(data, o) {
    if (data.length !== 5 && data.length !== 4) throw badLength('BILL_ACCEPTED', data, '5 or 4');
    const value = readUint(data, 0, 4, o.moneyOrder);
    return data.length === 5 ? { value, status: data[4] ?? 0 } : { value };
  },
  ...resultOnly('BILL_ACCEPTED'),
};

const CARD_EVENT: MessageCodec<CardEventPayload, ResultResponse> = {
  id: 0x52,
  name: 'CARD_EVENT',
  kind: 'event',
  lengths: '2 (tcd, direction) or the documented 1 (tcd only)',
  encode(m, o) {
    const tcd = checkByte('CARD_EVENT', 'tcd', m.tcd);
    if (o.layout === 'documented') return Uint8Array.of(tcd);
    return Uint8Array.of(tcd, checkByte('CARD_EVENT', 'direction', m.direction ?? 0));
  },
  decode(data) {
    if (data.length === 2) return { tcd: data[0] ?? 0, direction: data[1] ?? 0 };
    if (data.length === 1) return { tcd: data[0] ?? 0 };
    throw badLength('CARD_EVENT', data, '2 or 1');
  },
  ...resultOnly('CARD_EVENT'),
};

/** The protocol, one entry per message. */
export const MESSAGES = Object.freeze({
  RESET,
  REQUEST_VERSION,
  SETTING,
  DISPENSE_CARD,
  UPDATE_RFID,
  PLAY_AUDIO,
  CONTROL_IO,
  DEVICE_ERROR,
  BILL_ACCEPTOR_STATUS,
  TCD_STATUS,
  RFID_DETECTED,
  BILL_ACCEPTED,
  CARD_EVENT,
});

export type Messages = typeof MESSAGES;
export type MessageName = keyof Messages;
export type MessageOf<N extends MessageName> = ReturnType<Messages[N]['decode']>;
export type ResponseOf<N extends MessageName> = ReturnType<Messages[N]['decodeResponse']>;
/** Messages the host sends and the box answers. */
export type CommandName =
  'RESET' | 'REQUEST_VERSION' | 'SETTING' | 'DISPENSE_CARD' | 'UPDATE_RFID' | 'PLAY_AUDIO' | 'CONTROL_IO';
/** Messages the box sends unasked and the host answers. */
export type StatusOrEventName = Exclude<MessageName, CommandName>;
