import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createCa, issueClientCert } from '../../src/tls';
import { KEY_TYPES, material, rawNames } from './fixtures';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;

function extensions(certPem: string) {
  const cert = new x509.X509Certificate(certPem);
  return {
    basic: cert.getExtension(x509.BasicConstraintsExtension),
    keyUsage: cert.getExtension(x509.KeyUsagesExtension),
    extendedKeyUsage: cert.getExtension(x509.ExtendedKeyUsageExtension),
    subjectKeyId: cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    authorityKeyId: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
  };
}

describe.each(KEY_TYPES)('%s certificates', (keyType) => {
  it('CA: self-signed, critical CA:true, keyCertSign+cRLSign+digitalSignature, O=machine CN=machine CA', async () => {
    const { ca } = await material(keyType);
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('O=machine\nCN=machine CA');
    expect(cert.verify(cert.publicKey)).toBe(true);
    const ext = extensions(ca.certPem);
    expect(ext.basic).toMatchObject({ ca: true, critical: true });
    expect(ext.keyUsage?.critical).toBe(true);
    expect(ext.keyUsage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature);
    expect(ext.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
  });

  it('CA: OpenSSL reads the same constraints', async () => {
    const { ca } = await material(keyType);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: ca.certPem, timeout: SYNC_CHILD_TIMEOUT_MS }).toString();
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
  });

  it('client: clientAuth only, CA:false, signed by the CA, AKI = CA SKI', async () => {
    const { ca, client } = await material(keyType);
    const cert = new X509Certificate(client.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const ext = extensions(client.certPem);
    expect(ext.basic).toMatchObject({ ca: false, critical: true });
    const expectedUsage = keyType === 'rsa' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
    expect(ext.keyUsage?.usages).toBe(expectedUsage);
    expect(ext.authorityKeyId).toBe(extensions(ca.certPem).subjectKeyId);
  });

  it('server: serverAuth, CN = machine name, every SAN once plus localhost, 127.0.0.1 and the name', async () => {
    const { ca, server } = await material(keyType);
    const cert = new X509Certificate(server.certPem);
    expect(cert.subject).toBe('O=machine\nCN=dev1');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.subjectAltName?.split(', ').sort()).toEqual(
      ['DNS:docker.example.com', 'DNS:localhost', 'DNS:dev1', 'IP Address:203.0.113.5', 'IP Address:2001:DB8:0:0:0:0:0:5', 'IP Address:10.0.0.7', 'IP Address:127.0.0.1'].sort(),
    );
    expect(cert.checkIP('2001:db8::5')).toBe('2001:db8::5');
    expect(extensions(server.certPem).authorityKeyId).toBe(extensions(ca.certPem).subjectKeyId);
  });

  it("leaves name the CA by its exact subject bytes (Go's chain building compares them)", async () => {
    const { ca, client, server } = await material(keyType);
    const caSubject = rawNames(ca.certPem).subject;
    expect(rawNames(ca.certPem).issuer.equals(caSubject)).toBe(true);
    expect(rawNames(client.certPem).issuer.equals(caSubject)).toBe(true);
    expect(rawNames(server.certPem).issuer.equals(caSubject)).toBe(true);
  });

  it('valid from five minutes ago for about three years; leaves end no later than the CA', async () => {
    const now = Date.now();
    for (const pair of Object.values(await material(keyType))) {
      const cert = new X509Certificate(pair.certPem);
      const notBefore = new Date(cert.validFrom).getTime();
      const notAfter = new Date(cert.validTo).getTime();
      // Certificate times have a resolution of one second and the fixtures were made moments ago.
      expect(now - notBefore).toBeGreaterThanOrEqual(5 * MINUTE - 1000);
      expect(now - notBefore).toBeLessThan(6 * MINUTE);
      expect(notAfter - now).toBeGreaterThan(2.99 * YEAR);
      expect(notAfter - now).toBeLessThanOrEqual(3 * YEAR + 1000);
    }
    const { ca, server } = await material(keyType);
    expect(new Date(new X509Certificate(server.certPem).validTo).getTime()).toBeLessThanOrEqual(new Date(new X509Certificate(ca.certPem).validTo).getTime());
  });

  it('serials are random, positive and 128 bits at most', async () => {
    const serials = Object.values(await material(keyType)).map((pair) => new X509Certificate(pair.certPem).serialNumber);
    expect(new Set(serials).size).toBe(serials.length);
    for (const serial of serials) {
      // Below 2^127: the top bit is clear, so DER needs no sign byte and the value is positive.
      expect(BigInt(`0x${serial}`)).toBeLessThan(2n ** 127n);
      expect(BigInt(`0x${serial}`)).toBeGreaterThan(0n);
    }
  });

  it('keys are PKCS#8 PEM of the requested type, and each belongs to its certificate', async () => {
    for (const pair of Object.values(await material(keyType))) {
      expect(pair.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
      const cert = new X509Certificate(pair.certPem);
      expect(cert.checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true);
      if (keyType === 'ecdsa') {
        expect(cert.publicKey.asymmetricKeyType).toBe('ec');
        expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      } else {
        expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
        expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      }
    }
  });

  it('signatures use SHA-256 with the CA key type', async () => {
    const { client } = await material(keyType);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: client.certPem, timeout: SYNC_CHILD_TIMEOUT_MS }).toString();
    expect(text).toContain(keyType === 'ecdsa' ? 'Signature Algorithm: ecdsa-with-SHA256' : 'Signature Algorithm: sha256WithRSAEncryption');
  });
});

describe('mixed key types', () => {
  it('an RSA client certificate from an ECDSA CA is signed with ECDSA', async () => {
    const ca = await createCa({ keyType: 'ecdsa' });
    const client = await issueClientCert(ca, { keyType: 'rsa' });
    const cert = new X509Certificate(client.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('signs with a CA key stored in the older SEC1 form', async () => {
    const ca = await createCa({ keyType: 'ecdsa' });
    const sec1 = execFileSync('openssl', ['ec', '-outform', 'PEM'], { input: ca.keyPem, stdio: ['pipe', 'pipe', 'ignore'], timeout: SYNC_CHILD_TIMEOUT_MS }).toString();
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    const client = await issueClientCert({ certPem: ca.certPem, keyPem: sec1 }, { keyType: 'ecdsa' });
    expect(new X509Certificate(client.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });
});
