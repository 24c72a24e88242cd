import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DRIVER_API_VERSION } from '../../src/core/driver-api';
import { OperationError } from '../../src/core/errors';
import { MachineApp } from '../../src/services/app';
import type { InstalledPlugin } from '../../src/services/plugin-drivers';
import { probeMachine } from '../../src/services/probe-machine';
import { removeMachine } from '../../src/services/remove-machine';
import { rejectionOf } from '../helpers/rejection';
import { makeTempDir, sampleRecord } from '../helpers/tmp-store';

/**
 * A machine whose driver came from a plugin, in a real store: its driver loads from the plugin when
 * a command needs it; with the plugin gone, ls and rm name the package to install, and rm --force
 * still drops the record.
 */
const DESCRIPTOR = `'use strict';
exports.leaseDriver = {
  name: 'lease', aliases: [], summary: 'leases', unsupported: {}, flags: {},
  generatesSshKey: () => false, enginePort: () => 2376, configFromFlags: () => ({}), readConfig: (stored) => stored,
  async load() {
    return (env) => ({
      name: 'lease',
      preCreateCheck: async () => undefined, create: async () => { throw new Error('not here'); },
      state: async () => (env.resources.length > 0 ? 'Running' : 'NotFound'),
      ip: async () => '192.0.2.9', sshEndpoint: async () => ({ host: '192.0.2.9', port: 22, user: 'root' }),
      remove: async () => env.resources.map((r) => 'gave back ' + r.id),
    });
  },
};
`;

describe('a record whose driver a plugin brought', () => {
  let store: string;
  let pluginRoot: string;
  let plugin: InstalledPlugin;
  const record = sampleRecord('leased', { driver: 'lease', driverPlugin: { name: 'machine-driver-lease', version: '3.1.0' }, driverConfig: {}, resources: [{ kind: 'lease', id: 'l-1' }] });

  beforeEach(async () => {
    store = await makeTempDir();
    pluginRoot = await makeTempDir('machine-plugin-');
    await fs.writeFile(path.join(pluginRoot, 'index.js'), DESCRIPTOR);
    const pjson = { name: 'machine-driver-lease', version: '3.1.0', machine: { driverApi: DRIVER_API_VERSION, drivers: [{ name: 'lease', summary: 'leases', module: './index.js', export: 'leaseDriver' }] } };
    plugin = { name: pjson.name, version: pjson.version, root: pluginRoot, type: 'user', pjson };
  });

  afterEach(async () => {
    await fs.rm(store, { recursive: true, force: true });
    await fs.rm(pluginRoot, { recursive: true, force: true });
  });

  async function appWith(plugins: InstalledPlugin[]): Promise<MachineApp> {
    const app = new MachineApp(store, { plugins: async () => plugins });
    await app.store.save(record);
    return app;
  }

  it('loads its driver from the installed plugin, for a probe and for rm', async () => {
    const app = await appWith([plugin]);
    expect(await probeMachine(app, record, { withEngine: false })).toEqual({ state: 'Running', url: 'tcp://203.0.113.5:2376' });
    expect(await removeMachine(app, 'leased', false)).toEqual(expect.objectContaining({ removed: true, notes: expect.arrayContaining(['gave back l-1']) }));
    expect(await app.store.exists('leased')).toBe(false);
  });

  it('with the plugin gone, says which package to install; rm refuses without --force, and rm --force drops the record', async () => {
    const app = await appWith([]);
    const hint = 'driver "lease" is missing: it came from plugin machine-driver-lease 3.1.0, which is not installed; install it with `machine plugins install machine-driver-lease@3.1.0`';
    expect(await probeMachine(app, record, { withEngine: false })).toEqual({ state: 'Error', error: hint, url: 'tcp://203.0.113.5:2376' });
    const missing = await rejectionOf(app.driverFor(record), OperationError);
    expect({ code: missing.code, suggestions: missing.suggestions }).toEqual({
      code: 'DRIVER_MISSING',
      suggestions: ['machine plugins install machine-driver-lease@3.1.0', 'or drop the record with `machine rm --force leased`'],
    });

    const refused = await rejectionOf(removeMachine(app, 'leased', false), OperationError);
    expect({ code: refused.code, message: refused.message }).toEqual({ code: 'REMOVE_FAILED', message: `could not remove what the lease driver made for "leased": ${hint}` });
    expect(await app.store.exists('leased')).toBe(true);

    expect(await removeMachine(app, 'leased', true)).toEqual(expect.objectContaining({ removed: true, remoteError: hint }));
    expect(await app.store.exists('leased')).toBe(false);
  });

  it('a record that names no plugin and a driver nobody has is an unknown driver, as before', async () => {
    const app = await appWith([]);
    const { driverPlugin: _dropped, ...plain } = record;
    await expect(app.driverFor(plain)).rejects.toThrow(/unknown driver "lease"/);
  });
});
