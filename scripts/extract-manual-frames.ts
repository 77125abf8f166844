/**
 * Extracts every CRC-valid example frame from the vendor manuals (text form) into the fixture the manual-frame test
 * reads (`test/fidelity/manual-frames.json`): eSSP frames of ITL GA138 and GA973, CCNET frames of the CCNET
 * interface spec rev 2.3.1 (none: it names its example messages without bytes) and of the CCNET research note
 * (`../shared/research/ccnet-controllerbox.md`). A frame is a run of hex byte tokens starting at STX (7F, resp. 02) — the manuals wrap
 * long frames over lines — whose length byte and CRC agree; the role comes from the label on its line
 * ("Host transmit" / "Slave Reply" and the like), else from its position after a host frame.
 *
 *   npx tsx scripts/extract-manual-frames.ts [SPECS_DIR]     (default: ../shared/specs)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRC16_KERMIT, CRC16_SSP } from '../src/core/crc.js';

export interface ManualFrame {
  /** Manual file name and 1-based line of the frame's first byte. */
  source: string;
  line: number;
  /** From the manual's label on that line, when it has one. */
  label: 'host' | 'slave' | 'none';
  /** The frame as printed (stuffed), hex without spaces. */
  hex: string;
}

interface Token {
  byte: number;
  line: number;
  /** The label of the token's line ("Host ..." / "Slave ..."). */
  label: ManualFrame['label'];
}

const HOST_LABEL = /\b(host|master)\b[^:]*:/i;
const SLAVE_LABEL = /\b(slave|device|reply|response|validator)\b[^:]*:/i;

/** Runs of hex byte tokens, continuing over line breaks; any other word ends a run. */
function hexRuns(text: string): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  text.split('\n').forEach((lineText, i) => {
    const label: ManualFrame['label'] = HOST_LABEL.test(lineText)
      ? 'host'
      : SLAVE_LABEL.test(lineText)
        ? 'slave'
        : 'none';
    for (const word of lineText.split(/[\s,`|]+/)) {
      if (word === '') continue;
      const m = /^(?:0x)?([0-9a-fA-F]{2})h?$/.exec(word);
      if (m?.[1] !== undefined) run.push({ byte: parseInt(m[1], 16), line: i + 1, label });
      else if (run.length > 0) {
        runs.push(run);
        run = [];
      }
    }
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

/** An eSSP frame starting at `at`: STX, SEQ/ID, LEN, data, CRC (over unstuffed bytes); undefined unless the CRC fits. */
function sspFrameAt(run: readonly Token[], at: number): number | undefined {
  const unstuffed: number[] = [];
  let i = at + 1;
  while (i < run.length) {
    const b = run[i]?.byte ?? 0;
    if (b === 0x7f) {
      if (run[i + 1]?.byte !== 0x7f) return undefined;
      i += 1;
    }
    unstuffed.push(b);
    i += 1;
    const len = unstuffed[1];
    if (len !== undefined && unstuffed.length === len + 4) {
      const body = Uint8Array.from(unstuffed.slice(0, len + 2));
      const crc = CRC16_SSP.compute(body, 0, body.length);
      return (crc & 0xff) === unstuffed[len + 2] && crc >>> 8 === unstuffed[len + 3] ? i : undefined;
    }
  }
  return undefined;
}

/** A CCNET frame starting at `at`: SYNC 02, ADR, LNG (whole frame), data, CRC16 KERMIT LSB first. */
function ccnetFrameAt(run: readonly Token[], at: number): number | undefined {
  const len = run[at + 2]?.byte;
  if (len === undefined || len < 6 || at + len > run.length) return undefined;
  const bytes = Uint8Array.from(run.slice(at, at + len).map((t) => t.byte));
  const crc = CRC16_KERMIT.compute(bytes, 0, len - 2);
  return (crc & 0xff) === bytes[len - 2] && crc >>> 8 === bytes[len - 1] ? at + len : undefined;
}

function extract(file: string, text: string, stx: number, frameAt: typeof sspFrameAt): ManualFrame[] {
  const out: ManualFrame[] = [];
  for (const run of hexRuns(text)) {
    let at = 0;
    while (at < run.length) {
      const end = run[at]?.byte === stx ? frameAt(run, at) : undefined;
      if (end === undefined) {
        at += 1;
        continue;
      }
      const first = run[at] as Token;
      const hex = run
        .slice(at, end)
        .map((t) => t.byte.toString(16).padStart(2, '0'))
        .join('');
      out.push({ source: file, line: first.line, label: first.label, hex });
      at = end;
    }
  }
  return out;
}

function main(): void {
  const dir = process.argv[2] ?? join('..', 'shared', 'specs');
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const essp = ['itl-ssp-protocol-manual-GA138.txt', 'itl-ssp-implementation-guide-GA973.txt'].flatMap((f) =>
    extract(f, read(f), 0x7f, sspFrameAt),
  );
  // the CCNET spec prints its examples as message names only; the research note carries the CRC-checked frames
  const ccnet = [
    extract('ccnet-interface-spec-rev2.3.1.txt', read('ccnet-interface-spec-rev2.3.1.txt'), 0x02, ccnetFrameAt),
    extract(
      'research/ccnet-controllerbox.md',
      readFileSync(join(dir, '..', 'research', 'ccnet-controllerbox.md'), 'utf8'),
      0x02,
      ccnetFrameAt,
    ),
  ].flat();
  const fixture = { generatedBy: 'scripts/extract-manual-frames.ts', essp, ccnet };
  writeFileSync(join('test', 'fidelity', 'manual-frames.json'), `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`eSSP: ${essp.length} CRC-valid frames; CCNET: ${ccnet.length}`);
}

main();
