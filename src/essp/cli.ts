import type { ProtocolCli } from '../cli/types.js';
import { decodeCommand } from './decode.js';
import { simulate } from './simulator/cli.js';
import { watch } from './cli-watch.js';

/** What eSSP adds to the `kioskbus` command: `decode essp`, `simulate essp` (and `watch essp`). */
export const esspCli: ProtocolCli = { name: 'essp', decode: decodeCommand, simulate, watch };
