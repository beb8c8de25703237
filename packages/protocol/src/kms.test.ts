import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from 'typebox/value';
import { KMS_HANDSHAKE, KMS_OPERATIONS, kmsPathOf } from './kms.ts';

const client = { clientId: 'device-1', credential: { bearer: 'fkt_x' } };

describe('KMS protocol schemas', () => {
  it('names each operation by one method and URI shape, so a request finds at most one', () => {
    const routes = [...Object.values(KMS_OPERATIONS), KMS_HANDSHAKE].map((o) => `${o.method} ${o.path}`);
    assert.equal(new Set(routes).size, routes.length);
  });

  it('reads the URI shape of parsed segments', () => {
    assert.equal(kmsPathOf(['ping']), 'ping');
    assert.equal(kmsPathOf(['keys']), 'keys');
    assert.equal(kmsPathOf(['keys', 'k1']), 'keys/:id');
    assert.equal(kmsPathOf(['resources', 'r1', 'authorizations']), 'resources/:id/authorizations');
    assert.equal(kmsPathOf(['resources', 'r1', 'keys']), 'resources/:id/keys');
    assert.equal(kmsPathOf(['cmk']), undefined);
    assert.equal(kmsPathOf(['keys', 'k1', 'authorizations']), undefined);
    assert.equal(kmsPathOf(['resources', 'r1', 'keys', 'x']), undefined);
    assert.equal(kmsPathOf([]), undefined);
  });

  it('accepts what the SDK and node-kms send (extra fields included) and refuses wrong types', () => {
    assert.ok(Value.Check(KMS_OPERATIONS.createKeys.request, { method: 'create', uri: '/keys', count: 3, requestId: 'r', client }));
    assert.ok(Value.Check(KMS_OPERATIONS.createKeys.request, { method: 'create', uri: '/keys', client, somethingElse: true }));
    assert.ok(!Value.Check(KMS_OPERATIONS.createKeys.request, { method: 'create', uri: '/keys', count: 101, client }));
    assert.ok(!Value.Check(KMS_OPERATIONS.createKeys.request, { method: 'create', uri: '/keys', count: '3', client }));
    assert.ok(!Value.Check(KMS_OPERATIONS.createKeys.request, { method: 'create', uri: '/keys', count: 3 }), 'a request carries its client');
    assert.ok(Value.Check(KMS_OPERATIONS.createResource.request, { method: 'create', uri: '/resources', userIds: ['u1'], keyUris: [], client }));
    assert.ok(!Value.Check(KMS_OPERATIONS.createResource.request, { method: 'create', uri: '/resources', userIds: 'u1', client }));
    assert.ok(!Value.Check(KMS_OPERATIONS.bindKey.request, { method: 'update', uri: 'kms://k/keys/1', client }), 'bind names the resource');
    assert.ok(Value.Check(KMS_OPERATIONS.retrieveResourceKeys.request, { method: 'retrieve', uri: '/resources/r/keys', count: '5', client }));
  });

  it('describes the answers the KMS gives', () => {
    const key = { uri: 'kms://k/keys/1', jwk: { kty: 'oct', kid: 'kms://k/keys/1', k: 'AAAA' }, userId: 'u', clientId: 'c', createDate: 'd', expirationDate: 'e' };
    assert.ok(Value.Check(KMS_OPERATIONS.createKeys.response, { status: 201, requestId: 'r', keys: [key] }));
    assert.ok(Value.Check(KMS_OPERATIONS.retrieveKey.response, { status: 200, requestId: 'r', key: { ...key, resourceUri: 'kms://k/resources/1', bindDate: 'b' } }));
    assert.ok(!Value.Check(KMS_OPERATIONS.retrieveKey.response, { status: 200, requestId: 'r', key: { ...key, jwk: { kty: 'EC' } } }));
    const auth = { uri: 'kms://k/authorizations/1', authId: 'u', resourceUri: 'kms://k/resources/1', createDate: 'd' };
    assert.ok(Value.Check(KMS_OPERATIONS.removeResourceAuthorization.response, { status: 200, requestId: 'r', authorization: auth, authorizations: [auth] }));
  });
});
