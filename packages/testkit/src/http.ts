/**
 * Raw HTTP for tests that must send what the SDK never would: malformed JSON, wrong types,
 * oversized bodies, odd headers.
 * @module
 */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface RawRequest {
  token?: string | undefined;
  headers?: Record<string, string>;
  /** A string or bytes is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
}

export async function raw(baseUrl: string, method: string, path: string, request: RawRequest = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`;
  let body: BodyInit | undefined;
  if (request.body !== undefined) {
    if (typeof request.body === 'string' || request.body instanceof Uint8Array) {
      body = request.body as BodyInit;
      headers['content-type'] = request.contentType ?? 'application/json';
    } else {
      body = JSON.stringify(request.body);
      headers['content-type'] = request.contentType ?? 'application/json';
    }
  }
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Asserts nothing; returns the error body's fields when the answer is a Flint error. */
export function errorOf(response: RawResponse): { message: string; code: string; errors: { description: string }[]; trackingId: string } {
  return response.json as { message: string; code: string; errors: { description: string }[]; trackingId: string };
}
