/**
 * The official Webex JavaScript SDK, composed as upstream's `webex-node` does (webex-core and the
 * public plugins at one pinned version, without meetings and calling, which do not load in Node),
 * pointed at a Flint: `override.hydra` at its `/v1` and U2C discovery at its service catalog.
 * The SDK is plain JavaScript; this module gives the few calls the suite makes their types.
 * @module
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The plugins a Node bot uses (the reference's §8.1 list). */
const PLUGINS = [
  '@webex/plugin-authorization',
  '@webex/internal-plugin-device',
  '@webex/internal-plugin-mercury',
  '@webex/plugin-logger',
  '@webex/plugin-messages',
  '@webex/plugin-memberships',
  '@webex/plugin-people',
  '@webex/plugin-rooms',
  '@webex/plugin-teams',
  '@webex/plugin-team-memberships',
  '@webex/plugin-webhooks',
  '@webex/plugin-attachment-actions',
];

export interface WebexPage<T> {
  items: T[];
  length: number;
  hasNext(): boolean;
  next(): Promise<WebexPage<T>>;
}

type Obj = Record<string, unknown> & { id: string };

interface Resource<T = Obj> {
  create(body: object): Promise<T>;
  get(id: string | object): Promise<T>;
  list(query?: object): Promise<WebexPage<T>>;
  update(...args: unknown[]): Promise<T>;
  remove(id: string | object): Promise<undefined>;
  listen(): Promise<void>;
  stopListening(): void;
  on(event: string, listener: (event: Record<string, unknown> & { data: Obj; event: string; resource: string; actorId: string }) => void): void;
  off(event: string): void;
}

export interface Webex {
  people: { get(id: string): Promise<Obj>; list(query: object): Promise<WebexPage<Obj>> };
  rooms: Resource;
  memberships: Resource;
  messages: Resource;
  teams: Resource;
  teamMemberships: Resource;
  webhooks: Resource;
  attachmentActions: Resource;
  internal: { mercury: { disconnect(): Promise<void>; connected: boolean; on(event: string, listener: (e: { data: { activity?: { id: string } } }) => void): void }; device: { unregister(): Promise<void> } };
  once(event: 'ready', listener: () => void): void;
}

let WebexCtor: (new (options: object) => Webex) | undefined;

function webexClass(): new (options: object) => Webex {
  if (WebexCtor !== undefined) return WebexCtor;
  require('@babel/polyfill');
  for (const plugin of PLUGINS) require(plugin);
  const core = require('@webex/webex-core') as { default: { extend(o: object): new (options: object) => Webex }; MemoryStoreAdapter: unknown };
  WebexCtor = core.default.extend({ webex: true, version: 'flint-conformance' });
  return WebexCtor;
}

/** A Webex SDK instance for `token`, talking to the Flint at `baseUrl` only. */
export async function webexFor(baseUrl: string, token: string): Promise<Webex> {
  const Ctor = webexClass();
  const { MemoryStoreAdapter } = require('@webex/webex-core') as { MemoryStoreAdapter: unknown };
  const webex = new Ctor({
    // No refresh_token: the SDK never tries to refresh through Cisco's identity service.
    credentials: { access_token: token },
    config: {
      logger: { level: 'error' },
      credentials: { clientType: 'confidential' },
      storage: { boundedAdapter: MemoryStoreAdapter, unboundedAdapter: MemoryStoreAdapter },
      services: {
        // override beats any catalog entry; discovery keeps the SDK off the real Webex services.
        override: { hydra: `${baseUrl}/v1` },
        discovery: { hydra: `${baseUrl}/v1`, u2c: `${baseUrl}/u2c/api/v1`, sqdiscovery: `${baseUrl}/sqdiscovery` },
      },
    },
  });
  await new Promise<void>((resolve) => webex.once('ready', resolve));
  return webex;
}
