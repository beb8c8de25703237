/**
 * Greetings spoken from text (SPEC CL-4) by espeak-ng, the TTS engine Debian ships: the text on
 * stdin (never on a command line, so no quoting matters), a WAV on stdout, with a deadline.
 * @module
 */
import { spawn } from 'node:child_process';
import { ApiError } from '../errors.ts';

/** The longest a synthesis may take. */
const DEADLINE_MS = 20_000;
/** The largest WAV accepted from the engine (about 5 minutes of its 22 kHz mono speech). */
const MAX_BYTES = 16 * 1024 * 1024;

export async function speak(text: string, options: { bin?: string; voice?: string } = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.bin ?? 'espeak-ng', ['-v', options.voice ?? 'en', '--stdout'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: ApiError) => {
      if (failed) return;
      failed = true;
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new ApiError('unavailable', 'The TTS engine took too long.')), DEADLINE_MS);
    child.once('error', () => {
      clearTimeout(timer);
      // 409 as for meetings without a media server: the deployment's state, not a server fault.
      fail(ApiError.conflict('No TTS engine is installed on this Flint (apt-get install espeak-ng).'));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BYTES) fail(ApiError.badRequest('greeting: the spoken greeting is too long'));
      else chunks.push(chunk);
    });
    child.stderr.resume();
    child.once('close', (code) => {
      clearTimeout(timer);
      if (failed) return;
      const wav = Buffer.concat(chunks);
      if (code !== 0 || wav.subarray(0, 4).toString('latin1') !== 'RIFF') fail(new ApiError('unavailable', `The TTS engine failed (exit ${code}).`));
      else resolve(new Uint8Array(wav));
    });
    child.stdin.end(text, 'utf8');
  });
}
