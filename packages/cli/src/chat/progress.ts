/**
 * A progress bar for uploads and downloads (`cli-progress`), on standard error so the command's
 * output stays clean for pipes; nothing is drawn when standard error is not a terminal or `--json`
 * is asked for.
 * @module
 */
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const MIB = 1024 * 1024;

export function progressBar(label: string, enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {eta_formatted}`, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      const payload = { doneMiB: (done / MIB).toFixed(1), totalMiB: (total / MIB).toFixed(1) };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
