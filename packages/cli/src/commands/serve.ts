/**
 * `flint serve`: the core, the KMS, the gateway and the web app in one process.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadConfig, readEnv, createLogger, type ConfigFlags } from '@flint/server';
import { composeFlint } from '../compose.ts';

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
  const log = createLogger(config.logLevel);
  const server = await composeFlint(config, { logger: log, webRoot: webRoot() });
  const url = await server.listen();
  log.info(
    { url, publicUrl: config.publicUrl, database: config.database.kind, redis: config.redisUrl !== undefined, tls: config.tls !== undefined, readyMs: Math.round(performance.now() - started) },
    'Flint is ready',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    // A hung request must not keep the process alive forever.
    const force = setTimeout(() => {
      log.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    server.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
