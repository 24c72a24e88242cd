import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Ec2Error } from './query';

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/**
 * Checks an AWS Signature Version 4 `Authorization` header for service ec2, as EC2 does: the key id
 * must be known and the signature must be what its secret produces over the signed headers and body.
 * Returns the access key id that signed the request.
 */
export function verifySigV4(method: string, path: string, headers: IncomingHttpHeaders, body: string, credentials: Map<string, string>, region: string): string {
  const authorization = headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) throw new Ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  const [, keyId = '', date = '', scopeRegion = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = credentials.get(keyId);
  if (secret === undefined) throw new Ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  if (scopeRegion !== region || service !== 'ec2') throw new Ec2Error('AuthFailure', `Credential should be scoped to a valid region ('${region}') and service ec2`, 401);

  const headerValue = (name: string): string => {
    const value = headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const names = signedHeaders.split(';');
  const canonicalRequest = [method, path, '', ...names.map((n) => `${n}:${headerValue(n)}`), '', signedHeaders, headerValue('x-amz-content-sha256') || sha256(body)].join('\n');
  const amzDate = headerValue('x-amz-date');
  const scope = `${date}/${scopeRegion}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), scopeRegion), service), 'aws4_request');
  if (hmac(signingKey, stringToSign).toString('hex') !== signature) {
    throw new Ec2Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', 403);
  }
  if (headerValue('x-amz-content-sha256') && headerValue('x-amz-content-sha256') !== sha256(body)) {
    throw new Ec2Error('SignatureDoesNotMatch', 'The provided x-amz-content-sha256 header does not match what was computed.', 403);
  }
  return keyId;
}
