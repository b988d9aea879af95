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
  let step = { detail: '', since: Date.now() };
  const draw = (detail: string, done?: number, total?: number) => {
    const now = Date.now();
    // The step is the part before ' · ' (what follows, like a call count, changes every tick).
    const key = detail.split(' · ')[0]!;
    if (key !== step.detail) step = { detail: key, since: now };
    if (now - last < 100 && detail && done !== total) return; // at most ten redraws a second
    last = now;
    let bar = '';
    if (done !== undefined && total) {
      const width = 20;
      const filled = Math.round((done / total) * width);
      const elapsed = (now - step.since) / 1000;
      const eta = done > 0 && done < total ? ` ETA ${Math.ceil((elapsed / done) * (total - done))}s` : '';
      bar = ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${eta}`;
    }
    const secs = ((now - started) / 1000).toFixed(1);
    const line = `${stage}${detail ? ` · ${detail}` : ''}${bar} · ${secs}s`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 100) - 1)}`);
  };
  return {
    stage(name) {
      stage = name;
      draw('');
    },
    tick(detail, done, total) {
      draw(detail, done, total);
    },
    done() {
      stream.write('\r\x1b[2K');
    },
  };
}
