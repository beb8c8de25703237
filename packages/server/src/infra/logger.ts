/**
 * The one place loggers are made. Logs are JSON lines; they never carry secrets (tokens, cookies,
 * passwords) or content: request bodies are never logged and URLs are logged without their query.
 * @module
 */
import { fstatSync } from 'node:fs';
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/config.ts';

/** Paths pino blanks in every record, as a second line of defence behind not logging them at all. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.invitationToken',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'flint' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Log lines held for a stalled reader before newer ones are dropped. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/**
 * Standard output when it is a pipe or a socket (a supervisor, `npm start`, a log shipper). Writes
 * go through the event loop and never block: a reader that has gone away (EPIPE) silences the log
 * instead of crashing or hanging the process, and a reader that stalls costs at most
 * MAX_PENDING_BYTES of memory, then lines are dropped (and counted). Without this, pino's default
 * synchronous writer spins on a full pipe, so a server whose log reader died could not even shut
 * down (issue 14: SIGTERM answered by a process that then ran for an hour).
 */
export class PipeLogDestination implements DestinationStream {
  private broken = false;
  /** Lines not written because the reader had gone or stalled. */
  dropped = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    out.on('error', () => {
      this.broken = true;
    });
  }

  write(line: string): void {
    if (this.broken || this.out.destroyed || this.out.writableLength > MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    this.out.write(line);
  }

  /** Waits (at most `ms`) for what is queued to reach the reader; never longer. */
  flush(ms: number): Promise<void> {
    if (this.broken || this.out.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const check = () => (this.out.writableLength === 0 || this.broken ? done() : undefined);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.out.once('drain', check);
      this.out.once('error', done);
    });
  }
}

/** Where `flint` logs: the non-blocking pipe writer when stdout is a pipe or socket, else pino's own. */
export function stdoutLogDestination(): PipeLogDestination | undefined {
  try {
    const stat = fstatSync(1);
    return stat.isFIFO() || stat.isSocket() ? new PipeLogDestination() : undefined;
  } catch {
    return undefined;
  }
}

export type { Logger };
