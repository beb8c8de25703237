/**
 * The `flint` command.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '@flint/server';
import { KmsConfigError } from '@flint/kms';
import { AdminError } from '@flint/server/admin';
import { serve } from './commands/serve.ts';
import { DataFolderError } from './data-folders.ts';
import { adminCommand } from './commands/admin.ts';

const program = new Command('flint').description('Flint: end-to-end encrypted team collaboration').version('0.1.0');
program.exitOverride();

program
  .command('serve')
  .description('serve the core, the KMS, the gateway and the web app in one process')
  .option('--port <port>', 'port to listen on (FLINT_PORT, default 8080)')
  .option('--host <host>', 'address to listen on (FLINT_HOST, default 127.0.0.1)')
  .option('--data <dir>', 'data folder for the SQLite file and blobs (FLINT_DATA_DIR, default ./data)')
  .option('--kms-data <dir>', "the in-process KMS's folder, outside --data (FLINT_KMS_DATA_DIR, default <data>-kms)")
  .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (FLINT_TLS_CERT)')
  .option('--tls-key <file>', 'PEM private key (FLINT_TLS_KEY)')
  .action(async (o: { port?: string; host?: string; data?: string; kmsData?: string; tlsCert?: string; tlsKey?: string }) => {
    await serve(o);
  });

program.addCommand(adminCommand());
// `flint serve` does not load the other commands: their modules (the chat client, the compliance
// export and feed, and what they import) are chunks of the compiled bundle (scripts/build-cli.mjs)
// that a server, whose start-up time matters, never runs.
if (process.argv[2] !== 'serve') {
  program.addCommand((await import('./commands/kms.ts')).kmsCommand());
  program.addCommand((await import('./commands/gateway.ts')).gatewayCommand());
  for (const command of (await import('./commands/chat.ts')).chatCommands()) program.addCommand(command);
  program.addCommand((await import('./commands/compliance.ts')).complianceCommand());
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof ConfigError || error instanceof KmsConfigError) {
    process.stderr.write(`flint: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof DataFolderError) {
    process.stderr.write(`flint: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof AdminError) {
    process.stderr.write(`flint: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
