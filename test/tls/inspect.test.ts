import { execFileSync } from 'node:child_process';
import { certificateCovers, certificateSans } from '../../src/tls';
import { KEY_TYPES, material } from './fixtures';
import { SYNC_CHILD_TIMEOUT_MS } from '../helpers/sync-child';

describe.each(KEY_TYPES)('reading a %s server certificate', (keyType) => {
  it('lists its IPs (canonical) and DNS names', async () => {
    const { server } = await material(keyType);
    const sans = certificateSans(server.certPem);
    expect(sans.ips.sort()).toEqual(['10.0.0.7', '127.0.0.1', '2001:db8::5', '203.0.113.5']);
    expect(sans.dns.sort()).toEqual(['dev1', 'docker.example.com', 'localhost']);
  });

  it.each(['203.0.113.5', '127.0.0.1', '2001:db8::5', '2001:DB8:0:0:0:0:0:5', '[2001:db8::5]', 'localhost', 'dev1', 'Docker.Example.com', 'docker.example.com.'])(
    'covers %s',
    async (address) => {
      expect(certificateCovers((await material(keyType)).server.certPem, address)).toBe(true);
    },
  );

  it.each(['203.0.113.6', '::1', '2001:db8::6', 'other.example.com', 'machine'])('does not cover %s', async (address) => {
    expect(certificateCovers((await material(keyType)).server.certPem, address)).toBe(false);
  });
});

describe('an unreadable certificate', () => {
  it('covers nothing, so the caller issues a new one', () => {
    expect(certificateCovers('-----BEGIN CERTIFICATE-----\ntruncated', '203.0.113.5')).toBe(false);
  });

  it('has no SANs to list: a MachineError names the way out', () => {
    expect(() => certificateSans('')).toThrow(expect.objectContaining({ code: 'TLS_CERT_INVALID', suggestions: [expect.stringMatching(/regenerate-certs/)] }));
  });
});

describe('certificateSans', () => {
  it('is empty for a certificate without SANs', async () => {
    expect(certificateSans((await material('ecdsa')).client.certPem)).toEqual({ ips: [], dns: [] });
  });

  it('ignores the CN, as Go does: CN=dev1 without SANs covers nothing', () => {
    const certPem = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=dev1', '-days', '1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: SYNC_CHILD_TIMEOUT_MS,
    }).toString();
    expect(certificateCovers(certPem, 'dev1')).toBe(false);
  });
});
