import type { ProtocolCli } from '../types.js';
import { decodeCommand } from './decode.js';
import { simulate } from './simulate.js';
import { watch } from './watch.js';

/** What eSSP adds to the `kioskbus` command: `decode essp`, `simulate essp` (and `watch essp`). */
export const esspCli: ProtocolCli = { name: 'essp', decode: decodeCommand, simulate, watch };
