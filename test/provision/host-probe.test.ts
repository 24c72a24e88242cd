import { parseIpAddrOutput } from '../../src/provision/host-probe';

describe('parseIpAddrOutput', () => {
  it('keeps global addresses of real interfaces and drops container bridges', () => {
    const output = [
      '2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\\       valid_lft 86000sec preferred_lft 86000sec',
      '2: eth0    inet6 fec0::5054:ff:fe12:3456/64 scope site dynamic mngtmpaddr \\       valid_lft 86000sec',
      '3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever',
      '4: br-1a2b3c    inet 172.18.0.1/16 brd 172.18.255.255 scope global br-1a2b3c',
      '5: ens4    inet 192.0.2.10/24 brd 192.0.2.255 scope global ens4',
    ].join('\n');
    expect(parseIpAddrOutput(output)).toEqual(['10.0.2.15', 'fec0::5054:ff:fe12:3456', '192.0.2.10']);
  });

  it('returns nothing for empty output', () => {
    expect(parseIpAddrOutput('')).toEqual([]);
  });
});
