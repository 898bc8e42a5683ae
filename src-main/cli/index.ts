/** `mtcgcnn`: the command-line face of the ML core (plain Node, no Electron). */
import { runCommand, type Command, type CommandIo } from './command';
import { APP_VERSION } from '../services/version';
import { COMMANDS } from './registry';

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `mtcgcnn ${APP_VERSION}: multi-task crystal graph networks (MT-CGCNN) from the command line`,
    '',
    'Usage: mtcgcnn <command> DATA... [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `mtcgcnn <command> --help` for the options of a command. `mtcgcnn --version` prints the version.',
  ].join('\n');
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(mainHelp());
    return verb === undefined ? 2 : 0;
  }
  if (verb === '--version' || verb === '-V') {
    io.out(APP_VERSION);
    return 0;
  }
  const cmd: Command | undefined = COMMANDS.find((c) => c.name === verb);
  if (!cmd) {
    io.err(`mtcgcnn: error: unknown command "${verb}" (run mtcgcnn --help for the list)`);
    return 2;
  }
  return runCommand(cmd, rest, io);
}

export function processIo(): CommandIo {
  const isTty = Boolean(process.stderr.isTTY);
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (line) => process.stderr.write(isTty ? `\r\x1b[2K${line}` : line + '\n'),
    isTty,
  };
}

if (typeof require !== 'undefined' && require.main === module) {
  runCli(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`mtcgcnn: error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
