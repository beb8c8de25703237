/**
 * `flint serve`: the core, the KMS, the gateway and the web app in one process.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadConfig, readEnv, createLogger, stdoutLogDestination, type ConfigFlags } from '@flint/server';
import { loadKmsPolicy, readKmsEnv } from '@flint/kms';
import { composeFlint } from '../compose.ts';
import { endProcess } from '../shutdown.ts';
import { prepareDataFolders } from '../data-folders.ts';

/** The cli package's folder: the nearest with a package.json, from the sources and from the compiled dist/flint.mjs alike. */
function cliRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The built web app if there is one, else its static shell. */
function webRoot(): string {
  const web = join(cliRoot(), '..', 'web');
  const dist = join(web, 'dist');
  return existsSync(join(dist, 'index.html')) ? dist : join(web, 'shell');
}

export async function serve(flags: ConfigFlags): Promise<void> {
  const started = performance.now();
  const config = loadConfig(readEnv(), flags);
  // The in-process KMS's policy is the security realm's, read by its own config module.
  const kmsPolicy = loadKmsPolicy(readKmsEnv());
  // Standard output as a pipe gets a writer that never blocks (a dead or stalled log reader must
  // not keep the server from running or from stopping).
  const destination = stdoutLogDestination();
  const log = createLogger(config.logLevel, destination);
  await prepareDataFolders(config, log, { kmsInProcess: config.kmsUrl === undefined && config.kmsLinkSecret === undefined });
  const server = await composeFlint(config, { logger: log, webRoot: webRoot(), kmsPolicy });
  const finish = async (code: number, message: string) => {
    if (code === 0) log.info(message);
    else log.error(message);
    await destination?.flush(1000);
    endProcess(code);
  };
  let stopping = false;
  const stop = (signal: string) => {
    // A second signal while stopping: the operator means now.
    if (stopping) endProcess(1, { now: true });
    stopping = true;
    // Armed before anything that could get stuck (logging included): whatever state the process
    // is in, it ends by then.
    const deadline = setTimeout(() => endProcess(1, { now: true }), config.shutdownTimeoutMs);
    deadline.unref();
    log.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => finish(0, 'stopped'),
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        return finish(1, 'stopped after an error');
      },
    );
  };
  // Armed before listening: /health answers as soon as the port is bound, while the SIP engine may
  // still be starting, and a SIGTERM in that window must stop the server, not kill the process.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    // Stopped while it was starting: the stop finishes the process.
    if (stopping) return;
    throw error;
  }
  if (stopping) return;
  log.info(
    { url, publicUrl: config.publicUrl, database: config.database.kind, redis: config.redisUrl !== undefined, tls: config.tls !== undefined, readyMs: Math.round(performance.now() - started) },
    'Flint is ready',
  );
}
