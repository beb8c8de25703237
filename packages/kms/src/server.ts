/**
 * The KMS on its own listener (`flint kms serve`), for a KMS on another machine or on the
 * customer's premises. Same routes as under `flint serve`; its own error bodies.
 * @module
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { openKms, type Kms, type KmsOptions } from './kms.ts';
import { kmsRoutes } from './http.ts';

export interface KmsServerConfig extends KmsOptions {
  host?: string | undefined;
  port?: number | undefined;
  tls?: { cert: string; key: string } | undefined;
}

export interface KmsServer {
  kms: Kms;
  app: FastifyInstance;
  /** Starts listening; answers the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createKmsServer(config: KmsServerConfig): Promise<KmsServer> {
  const kms = await openKms(config);
  // Strict body validation, as in the core: no coercion, no silently dropped members.
  const app = Fastify({ bodyLimit: 8 * 1024 * 1024, ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } }, ...(config.tls ? { https: { cert: config.tls.cert, key: config.tls.key } } : {}) }) as unknown as FastifyInstance;
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _req, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    void reply.code(status).send({ message: status === 500 ? 'Internal error.' : (error.message ?? 'Bad request.') });
  });
  kmsRoutes(app, kms);
  app.addHook('onClose', async () => kms.close());
  return {
    kms,
    app,
    async listen() {
      const address = await app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 0 });
      return address;
    },
    close: () => app.close(),
  };
}
