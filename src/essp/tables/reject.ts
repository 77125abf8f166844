/** LAST_REJECT_CODE reasons (M222 p.13, M2129). Open-ended: other codes may be used, so lookups never fail. */
export const REJECT_REASONS: Readonly<Record<number, string>> = {
  0x00: 'note accepted',
  0x01: 'note length incorrect',
  0x02: 'invalid note (average fail)',
  0x03: 'invalid note (coastline fail)',
  0x04: 'invalid note (graph fail)',
  0x05: 'invalid note (buried fail)',
  0x06: 'channel inhibited',
  0x07: 'second note inserted',
  0x08: 'rejected by host',
  0x09: 'note recognised in more than one channel',
  0x0a: 'rear sensor error',
  0x0b: 'note too long',
  0x0c: 'disabled by host',
  0x0d: 'mechanism slow or stalled',
  0x0e: 'strimming attempt detected',
  0x0f: 'fraud channel reject',
  0x10: 'no notes inserted',
  0x11: 'peak detect fail',
  0x12: 'twisted note detected',
  0x13: 'escrow time-out',
  0x14: 'bar code scan fail',
  0x15: 'no cam activate',
  0x16: 'slot fail 1',
  0x17: 'slot fail 2',
  0x18: 'lens over-sample',
  0x19: 'width detection fail',
  0x1a: 'short note detected',
  0x1b: 'payout note',
  0x1c: 'double note detected',
  0x1d: 'unable to stack note',
  0x1f: 'credit card detected',
};

/** Short machine names of the reject codes (stable identifiers for logs and the compat layer). */
export const REJECT_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NOTE_ACCEPTED',
  0x01: 'LENGTH_FAIL',
  0x02: 'AVERAGE_FAIL',
  0x03: 'COASTLINE_FAIL',
  0x04: 'GRAPH_FAIL',
  0x05: 'BURIED_FAIL',
  0x06: 'CHANNEL_INHIBIT',
  0x07: 'SECOND_NOTE_DETECTED',
  0x08: 'REJECT_BY_HOST',
  0x09: 'CROSS_CHANNEL_DETECTED',
  0x0a: 'REAR_SENSOR_ERROR',
  0x0b: 'NOTE_TOO_LONG',
  0x0c: 'DISABLED_BY_HOST',
  0x0d: 'SLOW_MECH',
  0x0e: 'STRIM_ATTEMPT',
  0x0f: 'FRAUD_CHANNEL',
  0x10: 'NO_NOTES_DETECTED',
  0x11: 'PEAK_DETECT_FAIL',
  0x12: 'TWISTED_NOTE_REJECT',
  0x13: 'ESCROW_TIME_OUT',
  0x14: 'BAR_CODE_SCAN_FAIL',
  0x15: 'NO_CAM_ACTIVATE',
  0x16: 'SLOT_FAIL_1',
  0x17: 'SLOT_FAIL_2',
  0x18: 'LENS_OVERSAMPLE',
  0x19: 'WIDTH_DETECTION_FAIL',
  0x1a: 'SHORT_NOTE_DETECT',
  0x1b: 'PAYOUT_NOTE',
  0x1c: 'DOUBLE_NOTE_DETECTED',
  0x1d: 'UNABLE_TO_STACK',
  0x1f: 'CREDIT_CARD_DETECTED',
};

export interface RejectReason {
  code: number;
  name: string;
  reason: string;
}

/** The LAST_REJECT_CODE table entry for `code`; codes missing from the table get a generic entry (never throws). */
export function decodeRejectReason(code: number): RejectReason {
  const hex = `0x${(code & 0xff).toString(16).padStart(2, '0')}`;
  return {
    code,
    name: REJECT_NAMES[code] ?? 'UNKNOWN',
    reason: REJECT_REASONS[code] ?? `unknown reject code ${hex}`,
  };
}
