import * as path from 'node:path';
import { DRIVER_API_VERSION } from '../core/driver-api';

/**
 * Which drivers the installed plugins offer, read from each plugin's package.json alone: no plugin
 * code runs here, so start-up stays as cheap with plugins as without. A plugin that offers drivers
 * says so in a `machine` field:
 *
 *   "machine": { "driverApi": 1, "drivers": [
 *     { "name": "hetzner", "aliases": ["hcloud"], "summary": "...", "module": "./dist/index.js", "export": "hetznerDriver" } ] }
 *
 * A plugin is taken whole or refused whole, with the reason: a driver API this machine does not
 * speak, a malformed field, a name another driver has, a module outside the plugin.
 */

/** An installed oclif plugin as the discovery needs it (oclif's own plugin objects fit). */
export interface InstalledPlugin {
  name: string;
  version: string;
  /** Absolute path of the plugin's package folder. */
  root: string;
  /** 'core', 'user', 'link'... as oclif says. */
  type: string;
  /** The plugin's parsed package.json. */
  pjson: unknown;
}

/** Where a plugin driver came from: what the machine record keeps, and what a user installs again. */
export interface PluginOrigin {
  name: string;
  version: string;
}

/** A driver a compatible plugin offers, before any of its code is loaded. */
export interface PluginDriverEntry {
  name: string;
  aliases: readonly string[];
  summary: string;
  plugin: PluginOrigin;
  /** Absolute path of the module that exports the descriptor. */
  modulePath: string;
  exportName: string;
}

export interface RefusedPlugin {
  plugin: PluginOrigin;
  /** The drivers its manifest names, where it could be read: `create --driver` then says why they are refused. */
  driverNames: readonly string[];
  reason: string;
}

export interface PluginDriverCatalog {
  drivers: readonly PluginDriverEntry[];
  refused: readonly RefusedPlugin[];
}

export const EMPTY_CATALOG: PluginDriverCatalog = { drivers: [], refused: [] };

const NAME = /^[a-z][a-z0-9]*$/;

/**
 * The drivers offered by `plugins` (in oclif's order), given the names and aliases already taken by
 * the built-in drivers. Plugins without a `machine` field offer none and are not mentioned.
 */
export function discoverPluginDrivers(plugins: readonly InstalledPlugin[], takenNames: readonly string[]): PluginDriverCatalog {
  const drivers: PluginDriverEntry[] = [];
  const refused: RefusedPlugin[] = [];
  const taken = new Map<string, string>(takenNames.map((name) => [name, 'a built-in driver']));
  for (const plugin of plugins) {
    const field = machineField(plugin.pjson);
    if (field === undefined) continue;
    const origin = { name: plugin.name, version: plugin.version };
    const read = readManifest(plugin, field);
    if (typeof read === 'string') {
      refused.push({ plugin: origin, driverNames: namesIn(field), reason: read });
      continue;
    }
    const clash = read.flatMap((entry) => [entry.name, ...entry.aliases]).find((name) => taken.has(name));
    if (clash !== undefined) {
      refused.push({ plugin: origin, driverNames: read.map((e) => e.name), reason: `the driver name "${clash}" is already ${taken.get(clash)}'s` });
      continue;
    }
    for (const entry of read) {
      for (const name of [entry.name, ...entry.aliases]) taken.set(name, `plugin ${plugin.name}`);
      drivers.push(entry);
    }
  }
  return { drivers, refused };
}

function machineField(pjson: unknown): unknown {
  return typeof pjson === 'object' && pjson !== null ? (pjson as Record<string, unknown>).machine : undefined;
}

function namesIn(field: unknown): string[] {
  const list = typeof field === 'object' && field !== null ? (field as Record<string, unknown>).drivers : undefined;
  if (!Array.isArray(list)) return [];
  return list.map((d) => (typeof d === 'object' && d !== null ? (d as Record<string, unknown>).name : undefined)).filter((n): n is string => typeof n === 'string');
}

/** The plugin's driver entries, or why the plugin is refused. */
function readManifest(plugin: InstalledPlugin, field: unknown): PluginDriverEntry[] | string {
  if (typeof field !== 'object' || field === null || Array.isArray(field)) return 'its package.json "machine" field is not an object';
  const { driverApi, drivers } = field as Record<string, unknown>;
  if (driverApi !== DRIVER_API_VERSION) {
    return typeof driverApi === 'number'
      ? `it is built for driver API ${driverApi}; this machine speaks driver API ${DRIVER_API_VERSION}`
      : `its package.json "machine" field has no driverApi number (this machine speaks driver API ${DRIVER_API_VERSION})`;
  }
  if (!Array.isArray(drivers) || drivers.length === 0) return 'its package.json "machine" field lists no drivers';
  const entries: PluginDriverEntry[] = [];
  for (const [index, raw] of drivers.entries()) {
    const entry = readEntry(plugin, raw);
    if (typeof entry === 'string') return `driver ${index + 1} in its package.json: ${entry}`;
    entries.push(entry);
  }
  const names = entries.flatMap((e) => [e.name, ...e.aliases]);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  return repeated === undefined ? entries : `it names the driver "${repeated}" twice`;
}

function readEntry(plugin: InstalledPlugin, raw: unknown): PluginDriverEntry | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const { name, aliases = [], summary, module, export: exportName } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) return 'name must be lower-case letters and digits, starting with a letter';
  if (!Array.isArray(aliases) || !aliases.every((a): a is string => typeof a === 'string' && NAME.test(a))) return `aliases of "${name}" must be names like the driver's`;
  if (typeof summary !== 'string' || summary.trim() === '') return `"${name}" has no summary`;
  if (typeof module !== 'string' || typeof exportName !== 'string' || exportName === '') return `"${name}" must name its descriptor's module and export`;
  const modulePath = path.resolve(plugin.root, module);
  // The plugin's own files only: a manifest must not make the core load something else on the machine.
  if (path.relative(plugin.root, modulePath).startsWith('..') || path.isAbsolute(module)) return `the module of "${name}" is outside the plugin`;
  return { name, aliases, summary, plugin: { name: plugin.name, version: plugin.version }, modulePath, exportName };
}
