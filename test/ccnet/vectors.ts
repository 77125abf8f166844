/** CRC-verified CCNET frames of research §4 (public sources and device captures) as test vectors. */
export interface Vector {
  hex: string;
  meaning: string;
  source: string;
}

export const VECTORS: Vector[] = [
  { hex: '02 03 06 33 DA 81', meaning: 'POLL', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 30 41 B3', meaning: 'RESET', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 31 C8 A2', meaning: 'GET STATUS', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 37 FE C7', meaning: 'IDENTIFICATION', source: 'coungard/CashcodeCcnet, rado31/cashcode' },
  { hex: '02 03 06 41 4F D1', meaning: 'GET BILL TABLE', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 00 C2 82', meaning: 'ACK to validator', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 0C 34 FF FF FF 00 00 00 B5 C1', meaning: 'ENABLE all, no escrow', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 0C 34 FF FF FF FF FF FF FE F7', meaning: 'ENABLE all with escrow', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 0C 34 00 00 00 00 00 00 17 0C', meaning: 'disable', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 35 EC E4', meaning: 'STACK', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 36 77 D6', meaning: 'RETURN', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 38 09 3F', meaning: 'HOLD', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 3B 92 0D', meaning: 'CASSETTE STATUS', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 3C 2D 79', meaning: 'DISPENSE (bare)', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 3D A4 68', meaning: 'UNLOAD (bare)', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 3E 3F 5A', meaning: '3E (bare)', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 3F B6 4B', meaning: '3F (bare)', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 40 C6 C0', meaning: 'SET CASSETTE TYPE (bare)', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 50 47 D0', meaning: 'DOWNLOAD', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 32 53 90', meaning: 'SET SECURITY (bare)', source: 'coungard/CashcodeCcnet' },
  { hex: '02 03 06 14 67 D4', meaning: 'Idling (device reply)', source: 'pdewit crc_test.c' },
  {
    hex: '02 03 27 46 4C 53 2D 45 55 31 30 2D 36 39 33 36 33 39 30 37 4B 49 34 31 41 53 37 34 38 32 75 ED 8D C8 03 3F 7B 35 DA',
    meaning: 'IDENT reply CashCode FLS',
    source: 'pdewit crc_test.c',
  },
  { hex: '02 03 07 81 03 CF 18', meaning: 'Bill stacked type 3', source: 'Developer-RU/ArduinoCCNET' },
  { hex: '02 03 0C 34 00 00 FC 00 00 00 08 EC', meaning: 'enable types 2-7', source: 'Developer-RU/ArduinoCCNET' },
  { hex: '02 01 06 00 7A 37', meaning: 'ACK B2B', source: 'AVRM b2b.c' },
  { hex: '02 03 09 32 FF FF FF 6D 29', meaning: 'SET SECURITY all', source: 'research §3.3' },
  {
    hex: '02 01 0B 3C 00 00 24 03 01 58 C1',
    meaning: 'DISPENSE mask: 3 x type 2, 1 x type 5',
    source: 'research §3.4',
  },
  { hex: '02 01 08 3C 02 03 EC C4', meaning: 'DISPENSE pairs: 3 x type 2', source: 'research §3.4' },
  { hex: '02 01 08 3D 01 0A 99 29', meaning: 'UNLOAD cassette 1, 10 bills', source: 'research §3.4' },
  { hex: '02 01 06 33 62 34', meaning: 'POLL B2B', source: 'research §4 computed' },
  { hex: '02 01 06 30 F9 06', meaning: 'RESET B2B', source: 'research §4 computed' },
  { hex: '02 02 06 0B CD 66', meaning: 'POLL coin', source: 'research §4 computed' },
  { hex: '02 02 06 08 56 54', meaning: 'RESET coin', source: 'research §4 computed' },
  { hex: '02 02 06 09 DF 45', meaning: 'GET STATUS coin', source: 'research §4 computed' },
  { hex: '02 02 06 0A 44 77', meaning: 'TUBE STATUS', source: 'research §4 computed' },
  { hex: '02 04 06 33 DF 0D', meaning: 'POLL card reader', source: 'research §4 computed' },
  { hex: '02 04 06 15 EB 49', meaning: 'IDENT card reader', source: 'research §4 computed' },
  { hex: '02 02 06 00 1E D8', meaning: 'ACK coin', source: 'research §4 computed' },
  { hex: '02 04 06 00 C7 0E', meaning: 'ACK card', source: 'research §4 computed' },
];
