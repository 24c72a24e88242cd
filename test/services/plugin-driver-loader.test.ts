import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DRIVER_API_VERSION } from '../../src/core/driver-api';
import { MachineError, OperationError, UsageError } from '../../src/core/errors';
import { driverCatalog } from '../../src/services/driver-catalog';
import { adoptPluginError, loadPluginDriver } from '../../src/services/plugin-driver-loader';
import type { InstalledPlugin, PluginDriverEntry } from '../../src/services/plugin-drivers';
import { rejectionOf } from '../helpers/rejection';
import { makeTempDir } from '../helpers/tmp-store';

/**
 * Plugin descriptors loaded from real packages on disk: plain CommonJS modules written here, and the
 * fixture built for a driver API this machine does not speak (whose module throws if it is ever loaded).
 */
const fixtures = path.join(__dirname, '..', 'fixtures');

/**
 * A descriptor module: its own copy of an API-shaped error class (as a plugin bundling its own copy
 * of machine/driver-api has), a driver whose methods throw what `behaviour` says.
 */
const DESCRIPTOR_MODULE = `'use strict';
class UsageError extends Error {
  constructor(message, suggestions = []) { super(message); this.name = 'UsageError'; this.code = 'USAGE'; this.exit = 2; this.suggestions = suggestions; }
}
const loads = (globalThis.__pluginLoads = (globalThis.__pluginLoads || 0) + 1);
class Driver {
  constructor(env) { this.name = 'demo'; this.env = env; }
  async preCreateCheck() { throw new UsageError('demo needs --demo-zone', ['add --demo-zone']); }
  async create() { throw new Error('the demo cloud said no'); }
  async state() { return 'Running'; }
  async ip() { return '192.0.2.1'; }
  async sshEndpoint() { return { host: '192.0.2.1', port: 22, user: 'root' }; }
  async remove() { return ['nothing to remove']; }
  async stop() {}
}
exports.demoDriver = {
  name: 'demo',
  aliases: ['dm'],
  summary: 'a demo',
  unsupported: { start: 'cannot', restart: 'cannot', kill: 'cannot' },
  flags: { 'demo-zone': { type: 'option', description: 'zone' } },
  generatesSshKey: () => true,
  enginePort: (config) => config.port,
  configFromFlags(flags) { if (!flags['demo-zone']) throw new UsageError('--demo-zone is required'); return { zone: flags['demo-zone'], port: 2376 }; },
  readConfig: (stored) => stored,
  async load() { return (env) => new Driver(env); },
};
exports.loads = loads;
`;

async function writePlugin(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await fs.writeFile(path.join(root, name), text);
  }
}

function entryFor(root: string, overrides: Partial<PluginDriverEntry> = {}): PluginDriverEntry {
  return { name: 'demo', aliases: ['dm'], summary: 'a demo', plugin: { name: 'machine-driver-demo', version: '0.1.0' }, modulePath: path.join(root, 'index.js'), exportName: 'demoDriver', ...overrides };
}

describe('loading a plugin driver', () => {
  let root: string;

  beforeAll(async () => {
    root = await makeTempDir('machine-plugin-');
    await writePlugin(root, { 'index.js': DESCRIPTOR_MODULE });
  });

  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('registers the descriptor with its plugin, and the driver keeps exactly the members it has', async () => {
    const registered = loadPluginDriver(entryFor(root));
    expect({ name: registered.name, aliases: registered.aliases, plugin: registered.plugin, flags: Object.keys(registered.flags) }).toEqual({
      name: 'demo',
      aliases: ['dm'],
      plugin: { name: 'machine-driver-demo', version: '0.1.0' },
      flags: ['demo-zone'],
    });
    const config = registered.configFromFlags({ 'demo-zone': 'z1' });
    expect({ config, port: registered.enginePort(config), key: registered.generatesSshKey(config) }).toEqual({ config: { zone: 'z1', port: 2376 }, port: 2376, key: true });
    const driver = await registered.open({ machineName: 'm', machineDir: '/x/m', storePath: '/x', config, state: {}, resources: [] });
    expect(await driver.state()).toBe('Running');
    expect(await driver.remove()).toEqual(['nothing to remove']);
    expect(['start', 'stop', 'restart', 'kill', 'diagnose', 'hostKeyFingerprints'].filter((m) => typeof (driver as unknown as Record<string, unknown>)[m] === 'function')).toEqual(['stop']);
  });

  it('keeps the meaning of the driver API\'s errors thrown from the plugin\'s own copy, and reports anything else as the plugin\'s failure', async () => {
    const registered = loadPluginDriver(entryFor(root));
    let usage: unknown;
    try {
      registered.configFromFlags({});
    } catch (err) {
      usage = err;
    }
    expect(usage).toBeInstanceOf(MachineError);
    expect(usage).toMatchObject({ message: '--demo-zone is required', code: 'USAGE', exit: 2 });

    const driver = await registered.open({ machineName: 'm', machineDir: '/x/m', storePath: '/x', config: { zone: 'z', port: 2376 }, state: {}, resources: [] });
    const check = await rejectionOf(driver.preCreateCheck(), MachineError);
    expect({ message: check.message, exit: check.exit, suggestions: check.suggestions }).toEqual({ message: 'demo needs --demo-zone', exit: 2, suggestions: ['add --demo-zone'] });
    const failed = await rejectionOf(driver.create({ journal: async () => undefined, remember: async () => undefined, progress: () => undefined, signal: new AbortController().signal }), OperationError);
    expect({ code: failed.code, message: failed.message, exit: failed.exit }).toEqual({
      code: 'DRIVER_PLUGIN_FAILED',
      message: 'the demo driver (plugin machine-driver-demo 0.1.0) failed: the demo cloud said no',
      exit: 1,
    });
  });

  it('passes the core\'s own errors through untouched', () => {
    const own = new UsageError('from the core');
    expect(adoptPluginError(own, 'demo', { name: 'p', version: '1' })).toBe(own);
  });

  it('refuses a module that does not load or lacks the export, and a descriptor that breaks the contract or the manifest', async () => {
    await writePlugin(root, {
      'broken.js': 'throw new Error("syntax of a sort");',
      'bad.js': `'use strict';
        const base = require('./index.js').demoDriver;
        exports.renamed = { ...base, name: 'other' };
        exports.realiased = { ...base, aliases: [] };
        exports.noLoad = { ...base, load: undefined };
        exports.coreFlag = { ...base, flags: { ...base.flags, 'engine-install': { type: 'option' } } };
        exports.badUnsupported = { ...base, unsupported: { reboot: 'no' } };
        exports.badPort = { ...base, enginePort: () => 70000 };`,
    });
    const refused = (overrides: Partial<PluginDriverEntry>) => {
      try {
        loadPluginDriver(entryFor(root, overrides));
        return 'loaded';
      } catch (err) {
        return `${(err as MachineError).code}: ${(err as Error).message}`;
      }
    };
    const prefix = 'DRIVER_PLUGIN_REFUSED: the demo driver of plugin machine-driver-demo 0.1.0 is refused:';
    expect(refused({ modulePath: path.join(root, 'broken.js') })).toBe(`${prefix} its module ${path.join(root, 'broken.js')} does not load: syntax of a sort`);
    expect(refused({ exportName: 'nothing' })).toBe(`${prefix} its module exports no "nothing"`);
    const bad = (exportName: string) => refused({ modulePath: path.join(root, 'bad.js'), exportName });
    expect(bad('renamed')).toBe(`${prefix} the descriptor is named "other", the manifest says "demo"`);
    expect(bad('realiased')).toBe(`${prefix} the descriptor's aliases differ from the manifest's (dm)`);
    expect(bad('noLoad')).toBe(`${prefix} the descriptor lacks load`);
    expect(bad('coreFlag')).toBe(`${prefix} its flags must start with "demo-": --engine-install`);
    expect(bad('badUnsupported')).toBe(`${prefix} its unsupported list names reboot, which is not a lifecycle operation with advice`);
    const port = loadPluginDriver(entryFor(root, { modulePath: path.join(root, 'bad.js'), exportName: 'badPort' }));
    expect(() => port.enginePort({})).toThrow('the demo driver (plugin machine-driver-demo 0.1.0) failed: enginePort answered 70000, not a TCP port');
  });
});

describe('the driver catalog', () => {
  const installed = (root: string, pjson: Record<string, unknown>): InstalledPlugin => ({ name: String(pjson.name), version: String(pjson.version), root, type: 'link', pjson });

  it('never loads a plugin built for another driver API: using its driver gives the reason', async () => {
    const root = path.join(fixtures, 'incompatible-driver');
    const pjson = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
    const catalog = driverCatalog([installed(root, pjson)]);
    expect(() => catalog.find('future')).toThrow(
      expect.objectContaining({
        code: 'DRIVER_PLUGIN_REFUSED',
        message: `the future driver of plugin machine-driver-future 2.0.0 is refused: it is built for driver API 99; this machine speaks driver API ${DRIVER_API_VERSION}`,
      }),
    );
  });

  it('loads a plugin\'s descriptor only when its driver is asked for, once, and lists plugin drivers after the built-in ones', async () => {
    const root = await makeTempDir('machine-plugin-');
    try {
      await writePlugin(root, { 'index.js': DESCRIPTOR_MODULE });
      const pjson = { name: 'machine-driver-demo', version: '0.1.0', machine: { driverApi: DRIVER_API_VERSION, drivers: [{ name: 'demo', aliases: ['dm'], summary: 'a demo', module: './index.js', export: 'demoDriver' }] } };
      // The module counts its own loads in a global: the way to see from here whether it ran.
      const loads = (): number => (globalThis as { __pluginLoads?: number }).__pluginLoads ?? 0;
      const before = loads();
      const catalog = driverCatalog([installed(root, pjson)]);
      expect(catalog.namesWithAliases()).toBe('generic (ssh, vps), qemu, amazonec2 (aws, ec2), azure (az), hyperv, demo (dm)');
      expect(catalog.find('generic').plugin).toBeUndefined();
      expect(loads()).toBe(before);
      const found = catalog.find('DM');
      expect(found.name).toBe('demo');
      expect(catalog.find('demo')).toBe(found);
      expect(loads()).toBe(before + 1);
      expect(() => catalog.find('virtualbox')).toThrow(expect.objectContaining({ exit: 2, suggestions: [`available drivers: ${catalog.namesWithAliases()}`] }));
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
