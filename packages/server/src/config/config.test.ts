import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, readEnv } from './config.ts';

describe('config', () => {
  it('has working embedded defaults', () => {
    const config = loadConfig({}, {}, '/srv/flint');
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, '/srv/flint/data');
    assert.deepEqual(config.database, { kind: 'sqlite', file: '/srv/flint/data/flint.db' });
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(config.tls, undefined);
  });

  it('lets flags override the environment', () => {
    const config = loadConfig({ FLINT_PORT: '9000', FLINT_HOST: '0.0.0.0' }, { port: '9100', data: '/var/flint' });
    assert.equal(config.port, 9100);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/var/flint');
  });

  it('switches to PostgreSQL on a postgres:// DATABASE_URL, and takes REDIS_URL and FLINT_PUBLIC_URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://flint@db.internal:5432/flint',
      REDIS_URL: 'redis://127.0.0.1:6379',
      FLINT_PUBLIC_URL: 'https://chat.example.com/',
    });
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://flint@db.internal:5432/flint', poolSize: 10 });
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(config.publicUrl, 'https://chat.example.com');
  });

  it('issue 15: takes the durability (FLINT_DB_SYNC) and group-commit settings, and refuses bad ones by name', () => {
    const defaults = loadConfig({}, {}, '/srv/flint');
    assert.equal(defaults.database.durability, undefined, "the engine's default");
    assert.deepEqual(defaults.groupCommit, { maxBatch: 64, windowMs: 0 });
    const full = loadConfig({ FLINT_DB_SYNC: 'full', FLINT_GROUP_COMMIT_MAX: '1', FLINT_GROUP_COMMIT_WINDOW_MS: '2' }, {}, '/srv/flint');
    assert.equal(full.database.durability, 'full');
    assert.deepEqual(full.groupCommit, { maxBatch: 1, windowMs: 2 });
    let caught: unknown;
    try {
      loadConfig({ FLINT_DB_SYNC: 'fsync', FLINT_GROUP_COMMIT_MAX: '0', FLINT_GROUP_COMMIT_WINDOW_MS: '500' }, {}, '/srv/flint');
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    assert.deepEqual(caught.problems.map((p) => p.split(':')[0]).sort(), ['FLINT_DB_SYNC', 'FLINT_GROUP_COMMIT_MAX', 'FLINT_GROUP_COMMIT_WINDOW_MS']);
  });

  it('reports every bad setting by name, at once, without echoing secrets', () => {
    let caught: unknown;
    try {
      loadConfig({
        FLINT_PORT: 'eighty',
        DATABASE_URL: 'mysql://root:hunter2@localhost/flint',
        REDIS_URL: 'localhost:6379',
        FLINT_LOG_LEVEL: 'chatty',
        FLINT_SIGNUP: 'everyone',
        FLINT_PUBLIC_URL: 'ftp://x',
        FLINT_ACCESS_TOKEN_TTL: '0',
      });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    const names = caught.problems.map((p) => p.split(':')[0]);
    assert.deepEqual(names.sort(), ['DATABASE_URL', 'FLINT_ACCESS_TOKEN_TTL', 'FLINT_LOG_LEVEL', 'FLINT_PORT', 'FLINT_PUBLIC_URL', 'FLINT_SIGNUP', 'REDIS_URL'].sort());
    assert.doesNotMatch(caught.message, /hunter2/);
  });

  it('PL-3: selects S3 blob storage by FLINT_S3_BUCKET and checks every S3 setting by name, never echoing the secret', () => {
    assert.equal(loadConfig({}).s3, undefined);
    const s3 = loadConfig({
      FLINT_S3_BUCKET: 'flint-blobs',
      FLINT_S3_ENDPOINT: 'http://127.0.0.1:9000/',
      FLINT_S3_ACCESS_KEY_ID: 'id',
      FLINT_S3_SECRET_ACCESS_KEY: 'secret',
      FLINT_S3_PREFIX: 'prod/eu/',
    }).s3;
    assert.deepEqual(s3, {
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'flint-blobs',
      region: 'us-east-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
      forcePathStyle: true,
      prefix: 'prod/eu/',
    });
    assert.equal(loadConfig({ FLINT_S3_BUCKET: 'flint-blobs', FLINT_S3_REGION: 'eu-west-1' }).s3?.forcePathStyle, false);
    let caught: unknown;
    try {
      loadConfig({ FLINT_S3_BUCKET: 'Bad_Bucket', FLINT_S3_ENDPOINT: 'ftp://x', FLINT_S3_SECRET_ACCESS_KEY: 'hunter2', FLINT_S3_PREFIX: '../x', FLINT_S3_FORCE_PATH_STYLE: 'maybe', FLINT_S3_REGION: 'EU WEST' });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError);
    assert.deepEqual(caught.problems.map((p) => p.split(':')[0]).sort(), ['FLINT_S3_ACCESS_KEY_ID', 'FLINT_S3_BUCKET', 'FLINT_S3_ENDPOINT', 'FLINT_S3_FORCE_PATH_STYLE', 'FLINT_S3_PREFIX', 'FLINT_S3_REGION']);
    assert.doesNotMatch(caught.message, /hunter2/);
    assert.throws(() => loadConfig({ FLINT_S3_ENDPOINT: 'http://127.0.0.1:9000' }), (e: unknown) => e instanceof ConfigError && e.problems[0]!.startsWith('FLINT_S3_ENDPOINT'));
  });

  it('checks the KMS link settings: a long enough secret, and not both link kinds', () => {
    assert.throws(() => loadConfig({ FLINT_KMS_LINK_SECRET: 'short' }), (e: unknown) => e instanceof ConfigError && e.problems[0]!.startsWith('FLINT_KMS_LINK_SECRET'));
    assert.throws(() => loadConfig({ FLINT_KMS_LINK_SECRET: 'x'.repeat(40), FLINT_KMS_URL: 'https://kms.example' }), (e: unknown) => e instanceof ConfigError);
    assert.equal(loadConfig({ FLINT_KMS_URL: 'https://kms.example/' }).kmsUrl, 'https://kms.example');
  });

  it('names the flag, not the variable, when a flag is bad', () => {
    assert.throws(() => loadConfig({}, { port: '70000' }), (e: unknown) => e instanceof ConfigError && e.problems[0]?.startsWith('--port:') === true);
  });

  it('reads TLS files and reports missing or wrong ones (SEC-5)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-cfg-'));
    writeFileSync(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'key.pem'), 'not a key');
    assert.throws(
      () => loadConfig({}, { tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && e.problems[0]!.startsWith('--tls-key: not a PEM private key'),
    );
    assert.throws(
      () => loadConfig({ FLINT_TLS_CERT: join(dir, 'missing.pem'), FLINT_TLS_KEY: join(dir, 'key.pem') }),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('FLINT_TLS_CERT: cannot read')),
    );
    assert.throws(() => loadConfig({ FLINT_TLS_CERT: join(dir, 'cert.pem') }), (e: unknown) => e instanceof ConfigError && e.problems[0]!.startsWith('FLINT_TLS_KEY'));
  });

  it('PL-2: reads the job and webhook settings, with Webex-like defaults, and checks them together', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.jobs, { pollMs: 1000, leaseMs: 60_000, concurrency: 8 });
    assert.equal(defaults.webhooks.targets.mode, 'public', 'public addresses only unless the operator says otherwise');
    assert.deepEqual(defaults.webhooks.targets.allow.ranges, []);
    assert.equal(defaults.webhooks.disableFailures, 100);
    assert.equal(defaults.webhooks.disableWindowSec, 300);
    const tuned = loadConfig({ FLINT_WEBHOOK_TARGETS: 'any', FLINT_WEBHOOK_TIMEOUT_MS: '500', FLINT_JOBS_LEASE_MS: '1000', FLINT_WEBHOOK_DISABLE_FAILURES: '3' });
    assert.equal(tuned.webhooks.targets.mode, 'any');
    const listed = loadConfig({ FLINT_WEBHOOK_ALLOW: '10.0.0.0/8,bots.corp.example' });
    assert.equal(listed.webhooks.targets.allow.ranges.length, 1);
    assert.ok(listed.webhooks.targets.allow.hosts.has('bots.corp.example'));
    assert.throws(
      () => loadConfig({ FLINT_WEBHOOK_TARGETS: 'private', FLINT_WEBHOOK_ALLOW: '10.0.0.0/40' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 2 && /FLINT_WEBHOOK_ALLOW/.test(e.problems.join('\n')) && /private. is gone/.test(e.problems[0]!),
    );
    assert.equal(tuned.webhooks.disableFailures, 3);
    assert.throws(
      () => loadConfig({ FLINT_WEBHOOK_TARGETS: 'everywhere', FLINT_WEBHOOK_TIMEOUT_MS: '5000', FLINT_JOBS_LEASE_MS: '6000', FLINT_WEBHOOK_RETRY_BASE_MS: '10', FLINT_WEBHOOK_RETRY_MAX_MS: '5' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        JSON.stringify(e.problems.map((p) => p.split(':')[0]).sort()) === JSON.stringify(['FLINT_JOBS_LEASE_MS', 'FLINT_WEBHOOK_RETRY_MAX_MS', 'FLINT_WEBHOOK_TARGETS']),
    );
  });

  it('ID-3: sign-up is confirmed by e-mail unless FLINT_SIGNUP_CONFIRM=immediate; the link lives FLINT_SIGNUP_CONFIRM_TTL seconds', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.auth.signupConfirmation, 'email');
    assert.equal(defaults.auth.signupConfirmationTtlSec, 86400);
    const immediate = loadConfig(readEnv({ FLINT_SIGNUP_CONFIRM: 'immediate', FLINT_SIGNUP_CONFIRM_TTL: '600' }));
    assert.equal(immediate.auth.signupConfirmation, 'immediate');
    assert.equal(immediate.auth.signupConfirmationTtlSec, 600);
    assert.throws(
      () => loadConfig({ FLINT_SIGNUP_CONFIRM: 'later', FLINT_SIGNUP_CONFIRM_TTL: '5' }),
      (e: unknown) => e instanceof ConfigError && JSON.stringify(e.problems.map((p) => p.split(':')[0]).sort()) === JSON.stringify(['FLINT_SIGNUP_CONFIRM', 'FLINT_SIGNUP_CONFIRM_TTL']),
    );
  });

  it('ID-2: reads the DNS servers for domain verification, and names a bad one', () => {
    assert.equal(loadConfig({}).dnsServers, undefined, 'the system’s resolvers by default');
    assert.deepEqual(loadConfig({ FLINT_DNS_SERVERS: '127.0.0.1:5353, [::1]:53,10.0.0.2' }).dnsServers, ['127.0.0.1:5353', '[::1]:53', '10.0.0.2']);
    assert.throws(
      () => loadConfig({ FLINT_DNS_SERVERS: '127.0.0.1,dns.example.com' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && e.problems[0]!.startsWith('FLINT_DNS_SERVERS') && e.problems[0]!.includes('dns.example.com'),
    );
  });

  it('SEC-2: keeps the KMS folder beside the data folder, never inside it; reads the shutdown deadline', () => {
    const defaults = loadConfig({ FLINT_DATA_DIR: '/srv/flint/data' });
    assert.equal(defaults.kmsDataDir, '/srv/flint/data-kms');
    assert.equal(defaults.shutdownTimeoutMs, 25_000);
    assert.equal(loadConfig({ FLINT_DATA_DIR: '/srv/flint/data/' }).kmsDataDir, '/srv/flint/data-kms');
    assert.equal(loadConfig({}, { data: '/a', kmsData: 'keys' }, '/w').kmsDataDir, '/w/keys');
    assert.equal(loadConfig({ FLINT_SHUTDOWN_TIMEOUT_MS: '3000' }).shutdownTimeoutMs, 3000);
    for (const [env, flags] of [
      [{ FLINT_DATA_DIR: '/srv/data', FLINT_KMS_DATA_DIR: '/srv/data/kms' }, {}],
      [{ FLINT_DATA_DIR: '/srv/data', FLINT_KMS_DATA_DIR: '/srv/data' }, {}],
      [{ FLINT_DATA_DIR: '/srv/data/core' }, { kmsData: '/srv/data' }],
    ] as const) {
      assert.throws(() => loadConfig(env, flags), (e: unknown) => e instanceof ConfigError && /outside the core's data folder/.test(e.problems.join('\n')), JSON.stringify(env));
    }
    assert.throws(() => loadConfig({ FLINT_SHUTDOWN_TIMEOUT_MS: '5' }), ConfigError);
  });

  it('ignores unrelated and empty environment variables', () => {
    assert.deepEqual(readEnv({ HOME: '/root', FLINT_PORT: '', FLINT_HOST: 'localhost' }), { FLINT_HOST: 'localhost' });
  });
});
