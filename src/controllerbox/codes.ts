/** Code tables of the ControllerBox document: result codes, device error bits, bill acceptor, RFID and card codes. */

/** RESULT_CODE names of the seed document. Extend with host/simulator options; unknown codes stay raw. */
export const RESULT_CODES: Readonly<Record<number, string>> = Object.freeze({
  0x00: 'RESULT_SUCCESS',
  0x01: 'RESULT_ERROR',
  0x02: 'RESULT_COMM_PROTOCOL_ID_INVALID',
  0x03: 'RESULT_COMM_PROTOCOL_CRC_INVALID',
  0x04: 'RESULT_COMM_PROTOCOL_START_STOP_BYTE_INVALID',
  0x05: 'RESULT_COMM_PROTOCOL_TIMEOUT',
  0x11: 'RESULT_CMD_RESET_TIMEOUT',
  0x12: 'RESULT_CMD_TRANSFER_OTA_DATA_IN_PROGRESS',
  0x13: 'RESULT_CMD_TRANSFER_OTA_DATA',
});

export const RESULT_SUCCESS = 0x00;
export const RESULT_ERROR = 0x01;
export const RESULT_ID_INVALID = 0x02;
export const RESULT_CRC_INVALID = 0x03;
export const RESULT_START_STOP_INVALID = 0x04;

/** ERROR_FLAG bits 0..8; other bits are named `BIT_<n>`. */
export const DEVICE_ERROR_BITS: readonly string[] = Object.freeze([
  'BILL_ACCEPTOR_ERROR',
  'EEPROM_ERROR',
  'KEYPAD_ERROR',
  'LED_ERROR',
  'RFID_ERROR',
  'SIM_ERROR',
  'SOUND_ERROR',
  'TCD_ERROR',
  'WIFI_ERROR',
]);

/** BILL_ACCEPTOR_STS codes (the MDB bill-validator status codes). */
export const BILL_ACCEPTOR_STATUS_CODES: Readonly<Record<number, string>> = Object.freeze({
  0x00: 'SUCCESS',
  0x01: 'DEFECTIVE_MOTOR',
  0x02: 'SENSOR_PROBLEM',
  0x03: 'VALIDATOR_BUSY',
  0x04: 'ROM_CHECKSUM_ERROR',
  0x05: 'VALIDATOR_JAMMED',
  0x06: 'VALIDATOR_WAS_RESET',
  0x07: 'BILL_REMOVED',
  0x08: 'CASHBOX_OUT_OF_POSITION',
  0x09: 'VALIDATOR_DISABLED',
  0x0a: 'INVALID_ESCROW_REQUEST',
  0x0b: 'BILL_REJECTED',
  0x0c: 'POSSIBLE_CREDITED_BILL_REMOVAL',
  0x0d: 'NUMBER_OF_ATTEMPTS_TO_INPUT_BILL',
});

export const RFID_ERROR_CODES: Readonly<Record<number, string>> = Object.freeze({
  0x00: 'RFID_SUCCESS',
  0x71: 'RFID_INVALID_FORMAT',
  0x73: 'RFID_AUTHEN_FAILED',
});

export const CARD_DIRECTIONS: Readonly<Record<number, string>> = Object.freeze({
  0: 'DISPENSE_OUT',
  1: 'CALLBACK',
});

export function hexByte(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** Name of a code in a table, or `UNKNOWN_0xNN`. */
export function codeName(table: Readonly<Record<number, string>>, code: number): string {
  return table[code] ?? `UNKNOWN_${hexByte(code)}`;
}

export function resultName(code: number, extra: Readonly<Record<number, string>> = {}): string {
  return extra[code] ?? codeName(RESULT_CODES, code);
}

/** Names of the set bits of an ERROR_FLAG mask, lowest bit first. */
export function deviceErrorNames(flags: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 16; bit++) {
    if (flags & (1 << bit)) names.push(DEVICE_ERROR_BITS[bit] ?? `BIT_${bit}`);
  }
  return names;
}
