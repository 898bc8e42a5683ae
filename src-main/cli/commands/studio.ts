/** `mtcgcnn studio`: the app in a browser, served on 127.0.0.1 by the same handlers Electron runs. */
import fs from 'node:fs';
import path from 'node:path';
import { CommandFailure, UsageError, booleanOption, numberOption, stringOption, type Command } from '../command';
import { isLoopbackHost, startStudioServer, StudioConfigError } from '../../studio/server';
import { openStudioWindow } from '../../studio/open-browser';

/** Built renderer to serve when not next to the CLI bundle (tests run the CLI from its sources). */
export const RENDERER_DIR_ENV = 'MTCGCNN_RENDERER_DIR';

function rendererDir(): string {
  const dir = process.env[RENDERER_DIR_ENV] || path.resolve(__dirname, '../renderer');
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new CommandFailure(`the built app is missing (${path.join(dir, 'index.html')}): run \`npm run build\` first`);
  }
  return dir;
}

export const studioCommand: Command = {
  name: 'studio',
  summary: 'Open the app in your browser: serves it on 127.0.0.1 and prints the URL (Ctrl-C stops it).',
  positionals: '',
  arity: [0, 0],
  options: {
    port: { type: 'string', valueName: 'N', description: 'port to listen on (0 = any free port)', default: '0' },
    host: { type: 'string', valueName: 'H', description: 'interface to listen on; anything but loopback needs --allow-remote', default: '127.0.0.1' },
    'allow-remote': { type: 'boolean', description: 'allow a non-loopback --host (the token still guards every request)' },
    'no-open': { type: 'boolean', description: 'do not open a browser window' },
  },
  details: `The printed URL carries a one-time secret token; the browser exchanges it for a cookie. Anyone with the URL
can use the app as you, so do not share it.

On a remote machine (cluster login node, workstation), keep the default host and tunnel the port:
  ssh -L 8890:127.0.0.1:8890 user@host      then on the remote: mtcgcnn studio --port 8890 --no-open
and open the printed URL on your own computer.

Ctrl-C stops the server: a running training saves its checkpoint and a running screening flushes its results,
so both continue with Resume.`,
  async run(args, io) {
    const port = numberOption(args, 'port', 0, { min: 0, max: 65535, integer: true });
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const allowRemote = booleanOption(args, 'allow-remote');
    if (!isLoopbackHost(host) && !allowRemote) {
      throw new UsageError(`refusing --host ${host} without --allow-remote: the studio opens your files to whoever reaches it (use an SSH tunnel instead)`);
    }
    let studio;
    try {
      studio = await startStudioServer({ rendererDir: rendererDir(), port, host, allowRemote });
    } catch (err) {
      if (err instanceof StudioConfigError) throw new UsageError(err.message);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CommandFailure(`port ${port} is in use: choose another with --port, or --port 0 for any free port`);
      throw err;
    }
    if (allowRemote && !isLoopbackHost(host)) {
      io.err(`warning: listening on ${host}: anyone who can reach this machine and has the URL can read and write your files`);
    }
    io.out(`Crystal Property Studio: ${studio.url}`);
    if (!booleanOption(args, 'no-open') && !openStudioWindow(studio.url)) {
      io.err('no display found: open the URL above in a browser (over SSH: ssh -L PORT:127.0.0.1:PORT host)');
    }
    await new Promise<void>((resolve) => {
      let stoppingSince = 0;
      const stop = (signal: NodeJS.Signals): void => {
        if (stoppingSince) {
          // The same Ctrl-C can arrive twice (from the terminal and forwarded by `npm start`): only a later one forces.
          if (Date.now() - stoppingSince < 2000) return;
          io.err(`${signal} again: exiting without waiting for the jobs`);
          process.exit(130);
        }
        stoppingSince = Date.now();
        const running = studio.jobs.list().filter((j) => j.state === 'running').length;
        io.err(`stopping${running ? `: ${running} running job(s) save their state, Resume continues them` : ''}…`);
        void studio.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    io.err('stopped');
    return 0;
  },
};
