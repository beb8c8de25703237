/**
 * The KMS's own tables (Kysely types). Times are epoch milliseconds; secret columns hold sealed
 * values (see sealing.ts), never raw key bytes.
 * @module
 */
export interface KmsPkiTable {
  /** 'ca' or 'static'. */
  name: string;
  cert_der: string;
  private_key_sealed: string;
  created_at: number;
}

export interface KmsEphemeralKeysTable {
  uri: string;
  key_sealed: string;
  user_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
}

export interface KmsKeysTable {
  uri: string;
  key_sealed: string;
  user_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  resource_uri: string | null;
  bound_at: number | null;
}

export interface KmsResourcesTable {
  uri: string;
  created_by: string;
  created_at: number;
}

export interface KmsAuthorizationsTable {
  uri: string;
  resource_uri: string;
  auth_id: string;
  created_by: string;
  created_at: number;
}

export interface KmsAuditTable {
  /** UUIDv7: time-ordered, so reading by id is reading in order. */
  id: string;
  at: number;
  user_id: string | null;
  org_id: string | null;
  client_id: string | null;
  request_id: string | null;
  action: string;
  target: string | null;
  status: number;
  detail: string | null;
}

export interface KmsDatabase {
  kms_pki: KmsPkiTable;
  kms_ephemeral_keys: KmsEphemeralKeysTable;
  kms_keys: KmsKeysTable;
  kms_resources: KmsResourcesTable;
  kms_authorizations: KmsAuthorizationsTable;
  kms_audit: KmsAuditTable;
}
