/**
 * `kioskbus help [command | topic]`: the help of a command, or a short manual page on a protocol's line settings,
 * addresses and common faults; `kioskbus completion bash|zsh`: a shell completion script.
 */
import { EXIT_CODES_HELP, ExitCode } from './exit.js';
import { UsageError, type CliCommand, type CliIo, type ProtocolCli } from './types.js';

const TOPICS = {
  essp: `eSSP / SSP (Innovative Technology: NV9USB, NV10USB, BV20/50/100, NV200, SMART Payout, SMART Hopper, NV11,
NV4000, SMART System)

Line:       9600 baud, 8 data bits, no parity, 2 stop bits (8N2); a bare path opens 8N1, so give the
            protocol's command (kioskbus watch essp PATH) or serial://PATH?stopBits=2.
Addresses:  0x00 note validators, NV11, SMART Payout, NV200; 0x10 SMART Hopper, SMART System; 0x40 SMART Ticket;
            0x41 coupon and flatbed printers.
Start-up:   SYNC, key exchange (eSSP), HOST_PROTOCOL_VERSION, SETUP_REQUEST, SET_CHANNEL_INHIBITS, ENABLE; poll
            every 200..1000 ms (a device left unpolled for ~10 s disables itself).
Faults:
  no answer         the unit is in another protocol mode (ccTalk, SIO, parallel/pulse: set SSP with the
                    configuration card or the ITL tool), wrong address (a hopper is 0x10), wrong baud rate,
                    TX/RX swapped, no common ground, not powered, or the wrong USB port.
  KEY_NOT_SET       payout devices answer everything with 0xFA until the key exchange is done.
  COMMAND_REFUSED   ENABLE with every channel inhibited, a payout while disabled, a note float busy.
  UNKNOWN_COMMAND   the command does not exist on this unit type (SET_CHANNEL_INHIBITS on a hopper).
Tools:      kioskbus probe PORT; kioskbus watch essp PORT; kioskbus decode essp HEX; kioskbus simulate essp.`,
  ccnet: `CCNET (CashCode NET: Bill-to-Bill, coin changer, bill validator, card reader)

Line:       9600 baud (19200 selectable on the hardware), 8 data bits, no parity, 1 stop bit (8N1).
Addresses:  01 Bill-to-Bill, 02 coin changer, 03 bill validator, 04 card reader.
Start-up:   RESET, IDENTIFICATION, GET_BILL_TABLE, ENABLE_BILL_TYPES; then POLL every 100..200 ms.
Faults:
  no answer         the unit is in another protocol mode (ID003, pulse, CCTALK: set CCNET with the DIP
                    switches or the service tool), wrong address, 19200 instead of 9600, TX/RX swapped, no ground.
  NAK / bad CRC     noise on the line, a wrong baud rate, a second master on the bus.
  ILLEGAL_COMMAND   the command does not exist at that address, or not in this state.
Tools:      kioskbus probe PORT; kioskbus watch ccnet PORT --address 3; kioskbus decode ccnet HEX.`,
  controllerbox: `ControllerBox UART (kiosk controller: card dispensers TCD, RFID, bill acceptor, audio, IO)

Line:       115200 baud 8N1 by default (the document gives no rate: try --baud 9600/57600 when silent).
Addresses:  none: one box per UART.
CRC:        the document says CRC-16/ARC; boards ship with XMODEM too, with different coverage and byte order:
            --crc auto (default) detects the variant from the first good frames.
Faults:
  no answer         wrong baud rate, TX/RX swapped, the Android app still holds the port, box not powered.
  bad CRC           a CRC variant not yet detected (give --crc), noise.
Tools:      kioskbus probe PORT; kioskbus watch controllerbox PORT; kioskbus decode controllerbox HEX.`,
  ports: `Serial ports

kioskbus ports lists them (USB vendor and product ids help tell the adapters apart).
  no such port         the adapter is unplugged or named otherwise (ls /dev/ttyUSB* /dev/ttyACM*; COMn on Windows).
  permission denied    add the user to the dialout group (sudo usermod -aG dialout $USER), then log in again.
  busy                 another program holds it: a running simulator, ModemManager, a terminal program.
  not a serial port    the path is a file or another kind of device.
URLs: /dev/ttyUSB0, COM3, serial:///dev/ttyUSB0?baudRate=19200&stopBits=2, tcp://HOST:PORT (a simulator or a
serial-to-TCP server).`,
  'exit-codes': EXIT_CODES_HELP,
} as const;

export type HelpTopic = keyof typeof TOPICS;
export const HELP_TOPICS = Object.keys(TOPICS) as HelpTopic[];

/** `kioskbus help [command | topic]`. */
export function helpCommand(args: readonly string[], io: CliIo, commands: ReadonlyMap<string, CliCommand>): number {
  const [topic, ...rest] = args;
  if (topic === undefined) {
    io.stdout.write(`topics: ${HELP_TOPICS.join(', ')}; commands: ${[...commands.keys()].join(', ')}\n`);
    return ExitCode.Ok;
  }
  if (topic in TOPICS && rest.length === 0) {
    io.stdout.write(`${TOPICS[topic as HelpTopic]}\n`);
    return ExitCode.Ok;
  }
  const command = commands.get(topic);
  if (command) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.Ok;
  }
  io.stderr.write(
    `kioskbus help: no topic or command "${topic}" (topics: ${HELP_TOPICS.join(', ')})\nsee 'kioskbus --help'\n`,
  );
  return ExitCode.Usage;
}

/** The `--options` a usage text mentions. */
function optionsOf(usage: string): string[] {
  return [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])].sort();
}

function bashScript(commands: ReadonlyMap<string, CliCommand>, protocols: readonly ProtocolCli[]): string {
  const cases = [...commands].map(([name, c]) => `    ${name}) opts="${optionsOf(c.usage).join(' ')}" ;;`);
  return `# kioskbus bash completion: eval "$(kioskbus completion bash)" (or save it in ~/.local/share/bash-completion/completions/kioskbus)
_kioskbus() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${[...commands.keys(), 'help'].join(' ')} --help --version" -- "$cur"))
    return
  fi
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "$cmd" in
      decode|watch|simulate) COMPREPLY=($(compgen -W "${protocols.map((p) => p.name).join(' ')}" -- "$cur")); return ;;
      help) COMPREPLY=($(compgen -W "${[...HELP_TOPICS, ...commands.keys()].join(' ')}" -- "$cur")); return ;;
      completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return ;;
    esac
  fi
  case "$cmd" in
${cases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "$(ls /dev/ttyUSB* /dev/ttyACM* /dev/ttyS* 2>/dev/null)" -- "$cur"))
  fi
}
complete -F _kioskbus kioskbus`;
}

/** `kioskbus completion bash|zsh`: prints the completion script (zsh loads the bash one through bashcompinit). */
export function completionCommand(
  commands: () => ReadonlyMap<string, CliCommand>,
  protocols: readonly ProtocolCli[],
): CliCommand {
  return {
    summary: 'print a shell completion script (bash, zsh)',
    usage: `kioskbus completion bash|zsh

Prints a completion script for commands, protocols, options, help topics and serial ports.
  bash:  eval "$(kioskbus completion bash)"      (add the line to ~/.bashrc)
  zsh:   eval "$(kioskbus completion zsh)"       (add the line to ~/.zshrc)`,
    run(args, io) {
      const [shell, ...rest] = args;
      if (rest.length > 0 || (shell !== 'bash' && shell !== 'zsh')) {
        throw new UsageError(`expected bash or zsh, got "${args.join(' ')}"`);
      }
      const script = bashScript(commands(), protocols);
      io.stdout.write(shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${script}\n` : `${script}\n`);
      return Promise.resolve(ExitCode.Ok);
    },
  };
}
