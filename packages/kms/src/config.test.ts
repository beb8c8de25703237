import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmsConfigError, loadKmsConfig, loadKmsPolicy, readKmsEnv } from './config.ts';

describe('KMS config', () => {
  it('defaults to <FLINT_DATA_DIR>-kms (beside the core’s data, never inside it) with SQLite there, and flags win over the environment', () => {
    assert.deepEqual(loadKmsConfig({}, {}, '/srv'), { dataDir: '/srv/data-kms', database: undefined, linkSecret: undefined, policy: { firstDevice: 'open', idpAllowLoopbackHttp: false } });
    assert.equal(loadKmsConfig({ FLINT_DATA_DIR: '/var/flint' }, {}, '/srv').dataDir, '/var/flint-kms');
    assert.equal(loadKmsConfig({ FLINT_DATA_DIR: '/var/flint', FLINT_KMS_DATA_DIR: 'k' }, {}, '/srv').dataDir, '/srv/k');
    assert.equal(loadKmsConfig({ FLINT_KMS_DATA_DIR: '/a' }, { data: '/b' }, '/srv').dataDir, '/b');
    assert.deepEqual(loadKmsConfig({ FLINT_KMS_DATABASE_URL: 'sqlite:/x/kms.db' }, {}, '/srv').database, { kind: 'sqlite', file: '/x/kms.db' });
    assert.deepEqual(loadKmsConfig({ FLINT_KMS_DATABASE_URL: 'sqlite:/x/kms.db' }, { databaseUrl: 'postgres://db/kms' }, '/srv').database, { kind: 'postgres', url: 'postgres://db/kms', poolSize: 10 });
  });

  it('reports every bad setting by name at once', () => {
    assert.throws(
      () => loadKmsConfig({ FLINT_KMS_DATABASE_URL: 'mysql://x', FLINT_KMS_LINK_SECRET: 'short' }),
      (error: unknown) => error instanceof KmsConfigError && error.problems.length === 2 && error.problems[0]!.startsWith('FLINT_KMS_DATABASE_URL:') && error.problems[1]!.startsWith('FLINT_KMS_LINK_SECRET:'),
    );
    assert.throws(() => loadKmsConfig({}, { databaseUrl: 'nope' }), (error: unknown) => error instanceof KmsConfigError && error.problems[0]!.startsWith('--database-url:'));
  });

  it('the first-device policy and the IdP loopback switch: the KMS’s own settings, checked by name (also for `flint serve`)', () => {
    assert.deepEqual(loadKmsConfig({ FLINT_KMS_FIRST_DEVICE: 'approval', FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP: 'true' }, {}, '/srv').policy, { firstDevice: 'approval', idpAllowLoopbackHttp: true });
    assert.deepEqual(loadKmsPolicy(readKmsEnv({ FLINT_KMS_FIRST_DEVICE: 'approval' })), { firstDevice: 'approval', idpAllowLoopbackHttp: false });
    assert.throws(
      () => loadKmsPolicy({ FLINT_KMS_FIRST_DEVICE: 'trust', FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP: 'yes' }),
      (error: unknown) => error instanceof KmsConfigError && error.problems.length === 2 && error.problems[0]!.startsWith('FLINT_KMS_FIRST_DEVICE:') && error.problems[1]!.startsWith('FLINT_KMS_IDP_ALLOW_LOOPBACK_HTTP:'),
    );
  });

  it('the realm’s mail relay (voicemail to e-mail): its SMTP URL and From address, checked by name', () => {
    assert.deepEqual(loadKmsPolicy({ FLINT_KMS_SMTP_URL: 'smtp://127.0.0.1:2525', FLINT_KMS_MAIL_FROM: 'Keys <kms@example.com>' }), {
      firstDevice: 'open',
      idpAllowLoopbackHttp: false,
      mailSmtpUrl: 'smtp://127.0.0.1:2525',
      mailFrom: 'Keys <kms@example.com>',
    });
    assert.throws(
      () => loadKmsPolicy({ FLINT_KMS_SMTP_URL: 'http://mail', FLINT_KMS_MAIL_FROM: 'a\nBcc: b' }),
      (error: unknown) => error instanceof KmsConfigError && error.problems.length === 2 && error.problems[0]!.startsWith('FLINT_KMS_SMTP_URL:') && error.problems[1]!.startsWith('FLINT_KMS_MAIL_FROM:'),
    );
  });

  it('reads only its own variables, and treats empty ones as unset', () => {
    assert.deepEqual(readKmsEnv({ FLINT_KMS_LINK_SECRET: 'x'.repeat(32), FLINT_KMS_DATA_DIR: '', FLINT_PORT: '1', HOME: '/root' }), { FLINT_KMS_LINK_SECRET: 'x'.repeat(32) });
  });
});
