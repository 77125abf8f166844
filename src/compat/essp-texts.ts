/**
 * The strings of `kioskbus/compat/essp` results that applications of the older eSSP library
 * (`encrypted-smiley-secure-protocol@0.0.11`) compare against: unit type names, event descriptions, reject code
 * names and descriptions, and the texts of COMMAND_CANNOT_BE_PROCESSED answers. They are part of that library's
 * result objects (its API), reproduced as data so that results stay identical (docs/compat-essp.md); the event and
 * reject descriptions are the ITL manual's wording as that library carries it, typos included.
 */

/** Unit type names of SETUP_REQUEST, UNIT_DATA and GET_BUILD_REVISION results. */
export const UNIT_TYPE_TEXT: Readonly<Record<number, string>> = {
  0: 'Banknote validator',
  3: 'Smart Hopper',
  6: 'SMART payout fitted',
  7: 'Note Float fitted',
  8: 'Addon Printer',
  11: 'Stand Alone Printer',
  13: 'TEBS',
  14: 'TEBS with SMART Payout',
  15: 'TEBS with SMART Ticket',
};

/** `description` of the events of POLL results, by event code (events the older library knew). */
export const EVENT_TEXT: Readonly<Record<number, string>> = {
  0xb0: 'The SMART Payout unit is in the process of recovering from a detected jam. This process will typically move five notes to the cash box; this is done to minimise the possibility the unit will go out of service',
  0xb1: 'Returned if an error is detected whilst moving a note inside the SMART Payout unit. The cause of error (1 byte) indicates the source of the condition; 0x00 for note not being correctly detected as it is routed to cashbox or for payout, 0x01 if note is jammed in transport. In the case of the incorrect detection, the response to Cashbox Payout Operation Data request would report the note expected to be paid out.',
  0xb3: 'The device is in the process of carrying out its Smart Empty command from the host. The value emptied at the poll point is given in the event data.',
  0xb4: 'The device has completed its Smart Empty command. The total amount emptied is given in the event data.',
  0xb5: 'The device has had all its note channels inhibited and has become disabled for note insertion.',
  0xb6: 'This event is given only when using the Poll with ACK command. It is given when the BNV is powered up and setting its sensors and mechanisms to be ready for Note acceptance. When the event response does not contain this event, the BNV is ready to be enabled and used.',
  0xb7: 'The attached coin mechanism has generated an error. Its code is given in the event data.',
  0xc2: 'The device is in the process of emptying its content to the system cashbox in response to an Empty command.',
  0xc3: 'The device has completed its Empty process in response to an Empty command from the host.',
  0xc4: 'The attached coin mechanism has been detected as having a jam.',
  0xc5: 'The attached coin mechanism has been detected as having is reject or return button pressed.',
  0xc6: 'This event is given if the payout goes out of service during operation. If this event is detected after a poll, the host can send the ENABLE PAYOUT DEVICE command to determine if the payout unit comes back into service.',
  0xc7: 'Reported when a note float unit has been detected as removed from its validator.',
  0xc8: 'Reported when a note float unit has been detected as removed from its validator.',
  0xc9: 'Reported when a note has been successfully moved from the payout store into the stacker cashbox.',
  0xca: 'Reported when a note has been detected as paid into the cashbox stacker as part of the power-up procedure.',
  0xcb: 'Reported when a note has been detected as paid into the payout store as part of the power-up procedure.',
  0xcc: 'The note is being moved from the escrow position to the host exit section of the device.',
  0xcd: 'Reported when a note has been dispensed as part of the power-up procedure.',
  0xce: 'Reported when a dispensing note is held in the bezel of the payout device.',
  0xd1: 'The bar code ticket has been passed to a safe point in the device stacker.',
  0xd2: 'The device has completed its pay-out request. The final value paid is given in the event data.',
  0xd5: 'The device has detected that coins are jammed in its mechanism and cannot be removed other than by manual intervention. The value paid at the jam point is given in the event data.',
  0xd6: 'This event is given when the host has requested a halt to the device. The value paid at the point of halting is given in the event data.',
  0xd7: 'The device is in the process of executing a float command and the value paid to the cashbox at the poll time is given in the event data.',
  0xd8: 'The device has completed its float command and the final value floated to the cashbox is given in the event data.',
  0xd9: 'The device has been unable to complete a request. The value paid up until the time-out point is given in the event data.',
  0xda: 'The device is in the process of paying out a requested value. The value paid at the poll is given in the vent data.',
  0xdb: 'The note has been passed into the note store of the payout unit.',
  0xdc: 'The device has detected a discrepancy on power-up that the last payout request was interrupted (possibly due to a power failure). The amounts of the value paid and requested are given in the event data.',
  0xdd: 'The device has detected a discrepancy on power-up that the last float request was interrupted (possibly due to a power failure). The amounts of the value paid and requested are given in the event data.',
  0xde: 'This is given at the end of a payout cycle. It shows the value of stored coins that were routed to the cashbox that were paid into the cashbox during the payout cycle.',
  0xdf: 'A coin has been detected as added to the system via the attached coin mechanism. The value of the coin detected is given in the event data.',
  0xe0: 'The device has detected that its note transport path has been opened.',
  0xe1: 'At power-up, a note was detected as being rejected out of the front of the device. The channel value, if known is given in the data byte.',
  0xe2: 'At power up, a note was detected as being moved into the stacker unit or host exit of the device. The channel number of the note is given in the data byte if known.',
  0xe3: 'A device with a detectable cashbox has detected that it has been removed.',
  0xe4: 'A device with a detectable cashbox has detected that it has been replaced.',
  0xe5: 'A validated barcode ticket has been scanned and is available at the escrow point of the device.',
  0xe6: 'The device has detected an attempt to tamper with the normal validation/stacking/payout process.',
  0xe7: 'The banknote stacker unit attached to this device has been detected as at its full limit',
  0xe8: 'The device is not active and unavailable for normal validation functions.',
  0xe9: 'The note is stuck in a position where the user could possibly remove it from the front of the device.',
  0xea: 'The note is stuck in a position not retrievable from the front of the device (user side)',
  0xeb: 'The note has exited the device on the host side or has been placed within its note stacker.',
  0xec: 'The note has been rejected from the validator and is available for the user to retrieve.',
  0xed: 'The note is in the process of being rejected from the validator',
  0xee: 'A note has passed through the device, past the point of possible recovery and the host can safely issue its credit amount. The byte value is the channel number of the note to credit.',
  0xef: 'A note is in the process of being scanned by the device (byte value 0) or a valid note has been scanned and is in escrow (byte value gives the channel number)',
  0xf1: 'The device has undergone a power reset.',
};

/** LAST_REJECT_CODE results: `[name, description]` by reject code. */
export const REJECT_TEXT: Readonly<Record<number, readonly [string, string]>> = {
  0: ['NOTE_ACCEPTED', 'The banknote has been accepted. No reject has occured.'],
  1: [
    'LENGTH_FAIL',
    "A validation fail: The banknote has been read but it's length registers over the max length parameter.",
  ],
  2: ['AVERAGE_FAIL', 'Internal validation failure - banknote not recognised.'],
  3: ['COASTLINE_FAIL', 'Internal validation failure - banknote not recognised.'],
  4: ['GRAPH_FAIL', 'Internal validation failure - banknote not recognised.'],
  5: ['BURIED_FAIL', 'Internal validation failure - banknote not recognised.'],
  6: ['CHANNEL_INHIBIT', 'This banknote has been inhibited for acceptance in the dataset configuration.'],
  7: [
    'SECOND_NOTE_DETECTED',
    'A second banknote was inserted into the validator while the first one was still being transported through the banknote path.',
  ],
  8: ['REJECT_BY_HOST', 'The host system issues a Reject command when this banknote was held in escrow.'],
  9: [
    'CROSS_CHANNEL_DETECTED',
    'This bank note was identified as exisiting in two or more seperate channel definitions in the dataset.',
  ],
  10: ['REAR_SENSOR_ERROR', 'An inconsistency in a position sensor detection was seen'],
  11: ['NOTE_TOO_LONG', 'The banknote failed dataset length checks.'],
  12: [
    'DISABLED_BY_HOST',
    'The bank note was validated on a channel that has been inhibited for acceptance by the host system.',
  ],
  13: ['SLOW_MECH', 'The internal mechanism was detected as moving too slowly for correct validation.'],
  14: ['STRIM_ATTEMPT', 'The internal mechanism was detected as moving too slowly for correct validation.'],
  15: ['FRAUD_CHANNEL', 'Obselete response.'],
  16: ['NO_NOTES_DETECTED', 'A banknote detection was initiated but no banknotes were seen at the validation section.'],
  17: ['PEAK_DETECT_FAIL', 'Internal validation fail. Banknote not recognised.'],
  18: ['TWISTED_NOTE_REJECT', 'Internal validation fail. Banknote not recognised.'],
  19: [
    'ESCROW_TIME-OUT',
    'A banknote held in escrow was rejected due to the host not communicating within the timeout period.',
  ],
  20: ['BAR_CODE_SCAN_FAIL', 'Internal validation fail. Banknote not recognised.'],
  21: ['NO_CAM_ACTIVATE', 'A banknote did not reach the internal note path for validation during transport.'],
  22: ['SLOT_FAIL_1', 'Internal validation fail. Banknote not recognised.'],
  23: ['SLOT_FAIL_2', 'Internal validation fail. Banknote not recognised.'],
  24: ['LENS_OVERSAMPLE', 'The banknote was transported faster than the system could sample the note.'],
  25: ['WIDTH_DETECTION_FAIL', 'The banknote failed a measurement test.'],
  26: [
    'SHORT_NOTE_DETECT',
    'The banknote measured length fell outside of the validation parameter for minimum length.',
  ],
  27: ['PAYOUT_NOTE', 'The reject code cammand was issued after a note was payed out using a note payout device.'],
  28: ['DOUBLE_NOTE_DETECTED', 'Mote than one banknote was detected as overlayed during note entry.'],
  29: ['UNABLE_TO_STACK', "The bank was unable to reach it's correct stacking position during transport"],
};

/** `info.error` of a COMMAND_CANNOT_BE_PROCESSED (F5) answer: the texts of its error byte, by command. */
const PAYOUT_F5 = ['Not enough value in device', 'Cannot pay exact amount', 'Device busy', 'Device disabled'];
const ROUTE_F5 = ['No payout connected', 'Invalid currency detected', 'Payout device error'];
export const F5_TEXT: Readonly<Record<string, readonly string[]>> = {
  ENABLE_PAYOUT_DEVICE: [
    'No device connected',
    'Invalid currency detected',
    'Device busy',
    'Empty only (Note float only)',
    'Device error',
  ],
  PAYOUT_AMOUNT: PAYOUT_F5,
  FLOAT_AMOUNT: PAYOUT_F5,
  PAYOUT_BY_DENOMINATION: PAYOUT_F5,
  FLOAT_BY_DENOMINATION: PAYOUT_F5,
  SET_VALUE_REPORTING_TYPE: ROUTE_F5,
  GET_DENOMINATION_ROUTE: ROUTE_F5,
  SET_DENOMINATION_ROUTE: ROUTE_F5,
  STACK_NOTE: ['Note float unit not connected', 'Note float empty', 'Note float busy', 'Note float disabled'],
  PAYOUT_NOTE: ['Note float unit not connected', 'Note float empty', 'Note float busy', 'Note float disabled'],
};
