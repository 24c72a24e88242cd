import { driverFlagsFor, engineOptionsFrom } from '../../src/cli/create-request';
import { findDriver } from '../../src/services/driver-registry';
import { UsageError } from '../../src/core/errors';

describe('engineOptionsFrom', () => {
  it('collects every engine option with the given port', () => {
    const engine = engineOptionsFrom(
      {
        'engine-install': 'distro',
        'engine-label': ['env=staging'],
        'engine-opt': ['log-driver=none'],
        'engine-env': ['HTTP_PROXY=http://proxy:3128'],
        'engine-insecure-registry': ['reg.local:5000'],
        'engine-registry-mirror': ['https://mirror.local'],
        'engine-storage-driver': 'overlay2',
      },
      2380,
    );
    expect(engine).toEqual({
      install: 'distro',
      port: 2380,
      labels: ['env=staging'],
      opts: ['log-driver=none'],
      env: ['HTTP_PROXY=http://proxy:3128'],
      insecureRegistries: ['reg.local:5000'],
      registryMirrors: ['https://mirror.local'],
      storageDriver: 'overlay2',
    });
  });

  it('needs a URL and a key for repo installs, and refuses them otherwise', () => {
    expect(() => engineOptionsFrom({ 'engine-install': 'repo', 'engine-repo-url': 'http://x' }, 2376)).toThrow(UsageError);
    expect(() => engineOptionsFrom({ 'engine-install': 'docker', 'engine-repo-key': 'k.asc' }, 2376)).toThrow(/only apply with --engine-install repo/);
    const repo = engineOptionsFrom({ 'engine-install': 'repo', 'engine-repo-url': 'http://x', 'engine-repo-key': 'k.asc', 'engine-repo-component': 'stable' }, 2376);
    expect(repo).toMatchObject({ install: 'repo', repoUrl: 'http://x', repoComponent: 'stable' });
  });

  it.each([['engine-label', 'novalue'], ['engine-opt', '=x'], ['engine-env', 'A B=c']] as const)('rejects --%s %s', (flag, value) => {
    expect(() => engineOptionsFrom({ 'engine-install': 'docker', [flag]: [value] }, 2376)).toThrow(UsageError);
  });
});

describe('driverFlagsFor', () => {
  const generic = findDriver('generic');

  it("passes only the driver's own flags", () => {
    const own = driverFlagsFor(generic, { 'generic-ip-address': '10.0.0.1', driver: 'generic', 'engine-install': 'docker' }, new Set(['generic-ip-address']));
    expect(own).toEqual({ 'generic-ip-address': '10.0.0.1' });
  });

  it('names unknown drivers with the list of known ones', () => {
    expect(() => findDriver('virtualbox')).toThrow(/unknown driver "virtualbox"/);
  });
});
