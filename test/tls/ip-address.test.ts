import { parseIp } from '../../src/tls/ip-address';

describe('parseIp', () => {
  it.each([
    ['192.0.2.1', 4, '192.0.2.1'],
    ['2001:DB8::1', 6, '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, '2001:db8::1'],
    ['::1', 6, '::1'],
    ['::', 6, '::'],
    ['[2001:db8::7]', 6, '2001:db8::7'],
    ['fe80::1%eth0', 6, 'fe80::1'],
    ['::ffff:192.0.2.1', 6, '::ffff:192.0.2.1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1'],
  ])('reads %s as IPv%d %s', (text, version, canonical) => {
    expect(parseIp(text)).toMatchObject({ version, canonical });
  });

  it('spells IPv6 out in eight groups for the certificate library', () => {
    expect(parseIp('2001:db8::1')?.expanded).toBe('2001:db8:0:0:0:0:0:1');
    expect(parseIp('::ffff:1.2.3.4')?.expanded).toBe('0:0:0:0:0:ffff:102:304');
  });

  it.each(['docker.example.com', '256.1.1.1', '1.2.3', '', 'localhost', '2001:db8::1::2'])('says %p is not an IP', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});
