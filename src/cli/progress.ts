import type { Progress } from '../advise.js';

/**
 * Progress on a terminal: one line on stderr, rewritten in place, with elapsed time. When stderr
 * is not a TTY (piped, CI, cron) it prints nothing, so output stays machine-readable.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { stage() {}, tick() {}, done() {} };
  const started = Date.now();
  let stage = '';
  let last = 0;
  const draw = (detail: string) => {
    const now = Date.now();
    if (now - last < 100 && detail) return; // at most ten redraws a second
    last = now;
    const secs = ((now - started) / 1000).toFixed(1);
    const line = `${stage}${detail ? ` · ${detail}` : ''} · ${secs}s`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 100) - 1)}`);
  };
  return {
    stage(name) {
      stage = name;
      draw('');
    },
    tick(detail) {
      draw(detail);
    },
    done() {
      stream.write('\r\x1b[2K');
    },
  };
}
