import * as path from 'node:path';
import { DRIVER_API_VERSION } from '../../src/core/driver-api';
import { type InstalledPlugin, discoverPluginDrivers } from '../../src/services/plugin-drivers';

const BUILT_IN = ['generic', 'ssh', 'vps', 'qemu'];

function plugin(name: string, machine: unknown, root = `/plugins/${name}`): InstalledPlugin {
  return { name, version: '1.2.3', root, type: 'user', pjson: { name, version: '1.2.3', oclif: {}, ...(machine === undefined ? {} : { machine }) } };
}

const driver = (name: string, extra: Record<string, unknown> = {}) => ({ name, aliases: [], summary: `the ${name} driver`, module: './dist/index.js', export: `${name}Driver`, ...extra });

describe('discovering plugin drivers from package.json alone', () => {
  it('takes the drivers a compatible plugin declares, with absolute module paths and where they came from', () => {
    const catalog = discoverPluginDrivers([plugin('machine-driver-hetzner', { driverApi: DRIVER_API_VERSION, drivers: [driver('hetzner', { aliases: ['hcloud'] }), driver('hetznerbare')] })], BUILT_IN);
    expect(catalog.refused).toEqual([]);
    expect(catalog.drivers).toEqual([
      {
        name: 'hetzner',
        aliases: ['hcloud'],
        summary: 'the hetzner driver',
        plugin: { name: 'machine-driver-hetzner', version: '1.2.3' },
        modulePath: path.resolve('/plugins/machine-driver-hetzner/dist/index.js'),
        exportName: 'hetznerDriver',
      },
      expect.objectContaining({ name: 'hetznerbare', aliases: [] }),
    ]);
  });

  it('passes over plugins that bring no drivers (plugin-help and the like)', () => {
    expect(discoverPluginDrivers([plugin('@oclif/plugin-help', undefined)], BUILT_IN)).toEqual({ drivers: [], refused: [] });
  });

  it('refuses a plugin built for another driver API, or not saying which, with the reason and its driver names', () => {
    const catalog = discoverPluginDrivers(
      [plugin('future', { driverApi: DRIVER_API_VERSION + 1, drivers: [driver('future')] }), plugin('unsure', { drivers: [driver('unsure')] })],
      BUILT_IN,
    );
    expect(catalog.drivers).toEqual([]);
    expect(catalog.refused).toEqual([
      { plugin: { name: 'future', version: '1.2.3' }, driverNames: ['future'], reason: `it is built for driver API ${DRIVER_API_VERSION + 1}; this machine speaks driver API ${DRIVER_API_VERSION}` },
      { plugin: { name: 'unsure', version: '1.2.3' }, driverNames: ['unsure'], reason: `its package.json "machine" field has no driverApi number (this machine speaks driver API ${DRIVER_API_VERSION})` },
    ]);
  });

  it.each([
    ['a field that is not an object', 'drivers', 'its package.json "machine" field is not an object'],
    ['no drivers', { driverApi: DRIVER_API_VERSION, drivers: [] }, 'its package.json "machine" field lists no drivers'],
    ['a bad name', { driverApi: DRIVER_API_VERSION, drivers: [driver('Bad-Name')] }, 'driver 1 in its package.json: name must be lower-case letters and digits, starting with a letter'],
    ['a bad alias', { driverApi: DRIVER_API_VERSION, drivers: [driver('ok', { aliases: ['not ok'] })] }, 'driver 1 in its package.json: aliases of "ok" must be names like the driver\'s'],
    ['no summary', { driverApi: DRIVER_API_VERSION, drivers: [driver('ok', { summary: ' ' })] }, 'driver 1 in its package.json: "ok" has no summary'],
    ['no export', { driverApi: DRIVER_API_VERSION, drivers: [driver('ok', { export: undefined })] }, 'driver 1 in its package.json: "ok" must name its descriptor\'s module and export'],
    ['a module outside the plugin', { driverApi: DRIVER_API_VERSION, drivers: [driver('ok', { module: '../other/index.js' })] }, 'driver 1 in its package.json: the module of "ok" is outside the plugin'],
    ['an absolute module', { driverApi: DRIVER_API_VERSION, drivers: [driver('ok', { module: '/etc/passwd' })] }, 'driver 1 in its package.json: the module of "ok" is outside the plugin'],
    ['one name twice', { driverApi: DRIVER_API_VERSION, drivers: [driver('one'), driver('two', { aliases: ['one'] })] }, 'it names the driver "one" twice'],
  ])('refuses a plugin whole for %s', (_what, field, reason) => {
    const catalog = discoverPluginDrivers([plugin('odd', { driverApi: DRIVER_API_VERSION, drivers: [driver('fine')] }), plugin('broken', field)], BUILT_IN);
    expect(catalog.drivers.map((d) => d.name)).toEqual(['fine']);
    expect(catalog.refused).toEqual([expect.objectContaining({ plugin: { name: 'broken', version: '1.2.3' }, reason })]);
  });

  it('refuses a plugin whose driver or alias takes a built-in name, or one an earlier plugin took', () => {
    const catalog = discoverPluginDrivers(
      [
        plugin('first', { driverApi: DRIVER_API_VERSION, drivers: [driver('cloudy')] }),
        plugin('shadow', { driverApi: DRIVER_API_VERSION, drivers: [driver('mine', { aliases: ['ssh'] })] }),
        plugin('second', { driverApi: DRIVER_API_VERSION, drivers: [driver('other'), driver('cloudy')] }),
      ],
      BUILT_IN,
    );
    expect(catalog.drivers.map((d) => d.name)).toEqual(['cloudy']);
    expect(catalog.refused.map((r) => [r.plugin.name, r.reason])).toEqual([
      ['shadow', 'the driver name "ssh" is already a built-in driver\'s'],
      ['second', 'the driver name "cloudy" is already plugin first\'s'],
    ]);
  });
});
