import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MachineError } from '../../src/core/errors';
import { detectProvisioner, parseOsRelease } from '../../src/provision/os-release';
import { dockerRepositoryTarget } from '../../src/provision/plan';

function fixture(name: string): string {
  return readFileSync(path.join(__dirname, 'fixtures/os-release', name), 'utf8');
}

describe('parseOsRelease', () => {
  it('reads Debian 12', () => {
    expect(parseOsRelease(fixture('debian-12'))).toEqual({
      id: 'debian',
      idLike: [],
      versionId: '12',
      versionCodename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('reads Ubuntu 24.04', () => {
    expect(parseOsRelease(fixture('ubuntu-24.04'))).toEqual({
      id: 'ubuntu',
      idLike: ['debian'],
      versionId: '24.04',
      versionCodename: 'noble',
      ubuntuCodename: 'noble',
      prettyName: 'Ubuntu 24.04.1 LTS',
    });
  });

  it('splits ID_LIKE into words', () => {
    expect(parseOsRelease(fixture('linuxmint-22')).idLike).toEqual(['ubuntu', 'debian']);
  });

  it('handles quotes, escapes, comments and junk lines as os-release(5) describes', () => {
    const text = [
      '# a comment',
      '   ',
      'ID="my\\"os"',
      "ID_LIKE='debian  ubuntu'",
      'PRETTY_NAME="Dollar \\$HOME and backtick \\` and backslash \\\\"',
      'VERSION_ID=1.0 # trailing comment',
      'VERSION_CODENAME=""',
      'not an assignment',
      'lower=ignored',
    ].join('\r\n');
    expect(parseOsRelease(text)).toEqual({
      id: 'my"os',
      idLike: ['debian', 'ubuntu'],
      versionId: '1.0',
      prettyName: 'Dollar $HOME and backtick ` and backslash \\',
    });
  });

  it('defaults ID to linux', () => {
    expect(parseOsRelease('NAME=Something\n')).toEqual({ id: 'linux', idLike: [] });
  });
});

describe('detectProvisioner', () => {
  it.each(['debian-12', 'ubuntu-24.04', 'linuxmint-22', 'pop-22.04', 'raspbian-12'])('%s gets the debian provisioner', (name) => {
    expect(detectProvisioner(parseOsRelease(fixture(name)))).toBe('debian');
  });

  it.each([
    ['fedora-40', 'unsupported OS: ID=fedora ID_LIKE='],
    ['alpine-3.20', 'unsupported OS: ID=alpine ID_LIKE='],
    ['rocky-9', 'unsupported OS: ID=rocky ID_LIKE=rhel centos fedora'],
  ])('%s is refused with UNSUPPORTED_OS', (name, message) => {
    let thrown: unknown;
    try {
      detectProvisioner(parseOsRelease(fixture(name)));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MachineError);
    expect((thrown as MachineError).code).toBe('UNSUPPORTED_OS');
    expect((thrown as MachineError).message).toBe(message);
  });
});

describe("Docker's repository for each OS", () => {
  it.each([
    ['debian-12', 'debian', 'bookworm'],
    ['ubuntu-24.04', 'ubuntu', 'noble'],
    ['linuxmint-22', 'ubuntu', 'noble'],
    ['pop-22.04', 'ubuntu', 'jammy'],
    ['raspbian-12', 'raspbian', 'bookworm'],
  ])('%s uses linux/%s %s', (name, flavour, codename) => {
    expect(dockerRepositoryTarget(parseOsRelease(fixture(name)))).toEqual({ flavour, codename });
  });

  it('uses the Debian base codename of LMDE', () => {
    const lmde = parseOsRelease('ID=linuxmint\nID_LIKE=debian\nVERSION_CODENAME=faye\nDEBIAN_CODENAME=bookworm\n');
    expect(dockerRepositoryTarget(lmde)).toEqual({ flavour: 'debian', codename: 'bookworm' });
  });
});
