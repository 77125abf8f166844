/** CRC-verified CCNET frames of research §4 (public sources and device captures) as test vectors. */
export interface Vector {
  hex: string;
  meaning: string;
  source: string;
}

/** Rows of one source, in order. */
function from(source: string, rows: [hex: string, meaning: string][]): Vector[] {
  return rows.map(([hex, meaning]) => ({ hex, meaning, source }));
}

export const VECTORS: Vector[] = [
  ...from('coungard/CashcodeCcnet', [
    ['02 03 06 33 DA 81', 'POLL'],
    ['02 03 06 30 41 B3', 'RESET'],
    ['02 03 06 31 C8 A2', 'GET STATUS'],
  ]),
  ...from('coungard/CashcodeCcnet, rado31/cashcode', [['02 03 06 37 FE C7', 'IDENTIFICATION']]),
  ...from('coungard/CashcodeCcnet', [
    ['02 03 06 41 4F D1', 'GET BILL TABLE'],
    ['02 03 06 00 C2 82', 'ACK to validator'],
    ['02 03 0C 34 FF FF FF 00 00 00 B5 C1', 'ENABLE all, no escrow'],
    ['02 03 0C 34 FF FF FF FF FF FF FE F7', 'ENABLE all with escrow'],
    ['02 03 0C 34 00 00 00 00 00 00 17 0C', 'disable'],
    ['02 03 06 35 EC E4', 'STACK'],
    ['02 03 06 36 77 D6', 'RETURN'],
    ['02 03 06 38 09 3F', 'HOLD'],
    ['02 03 06 3B 92 0D', 'CASSETTE STATUS'],
    ['02 03 06 3C 2D 79', 'DISPENSE (bare)'],
    ['02 03 06 3D A4 68', 'UNLOAD (bare)'],
    ['02 03 06 3E 3F 5A', '3E (bare)'],
    ['02 03 06 3F B6 4B', '3F (bare)'],
    ['02 03 06 40 C6 C0', 'SET CASSETTE TYPE (bare)'],
    ['02 03 06 50 47 D0', 'DOWNLOAD'],
    ['02 03 06 32 53 90', 'SET SECURITY (bare)'],
  ]),
  ...from('pdewit crc_test.c', [
    ['02 03 06 14 67 D4', 'Idling (device reply)'],
    [
      '02 03 27 46 4C 53 2D 45 55 31 30 2D 36 39 33 36 33 39 30 37 4B 49 34 31 41 53 37 34 38 32 75 ED 8D C8 03 3F 7B 35 DA',
      'IDENT reply CashCode FLS',
    ],
  ]),
  ...from('Developer-RU/ArduinoCCNET', [
    ['02 03 07 81 03 CF 18', 'Bill stacked type 3'],
    ['02 03 0C 34 00 00 FC 00 00 00 08 EC', 'enable types 2-7'],
  ]),
  ...from('AVRM b2b.c', [['02 01 06 00 7A 37', 'ACK B2B']]),
  ...from('research §3.3', [['02 03 09 32 FF FF FF 6D 29', 'SET SECURITY all']]),
  ...from('research §3.4', [
    ['02 01 0B 3C 00 00 24 03 01 58 C1', 'DISPENSE mask: 3 x type 2, 1 x type 5'],
    ['02 01 08 3C 02 03 EC C4', 'DISPENSE pairs: 3 x type 2'],
    ['02 01 08 3D 01 0A 99 29', 'UNLOAD cassette 1, 10 bills'],
  ]),
  ...from('research §4 computed', [
    ['02 01 06 33 62 34', 'POLL B2B'],
    ['02 01 06 30 F9 06', 'RESET B2B'],
    ['02 02 06 0B CD 66', 'POLL coin'],
    ['02 02 06 08 56 54', 'RESET coin'],
    ['02 02 06 09 DF 45', 'GET STATUS coin'],
    ['02 02 06 0A 44 77', 'TUBE STATUS'],
    ['02 04 06 33 DF 0D', 'POLL card reader'],
    ['02 04 06 15 EB 49', 'IDENT card reader'],
    ['02 02 06 00 1E D8', 'ACK coin'],
    ['02 04 06 00 C7 0E', 'ACK card'],
  ]),
];
