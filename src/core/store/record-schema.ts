import * as path from 'node:path';
import { z } from 'zod';
import type { MachineRecord } from '../machine-record';
import { NAME_PATTERN } from '../machine-record';

/*
 * One schema per version of config.json. A record is checked as a whole before anything reads it, so a
 * field of the wrong kind is reported with its path ("engine.port: Expected number") instead of
 * surfacing later as a TypeError in whatever command touched it. The driver's own config stays an
 * opaque object here: its descriptor's readConfig checks it.
 */

const port = z.number().int().min(1).max(65535);
const text = z.string();
const stringMap = z.record(z.string(), z.unknown());

const sshEndpoint = z.object({
  host: text.min(1),
  port,
  user: text.min(1),
  keyPath: text.min(1).optional(),
  useAgent: z.boolean().optional(),
});

const resource = z.object({
  kind: text.min(1),
  id: text.min(1),
  attributes: z.record(z.string(), z.string()).optional(),
});

const engine = z.object({
  install: z.enum(['docker', 'distro', 'repo', 'none']),
  version: text.optional(),
  repoUrl: text.optional(),
  repoKeyPath: text.min(1).optional(),
  repoSuite: text.optional(),
  repoComponent: text.optional(),
  port,
  transport: z.enum(['tls', 'ssh']).optional(),
  labels: z.array(text),
  opts: z.array(text),
  env: z.array(text),
  insecureRegistries: z.array(text),
  registryMirrors: z.array(text),
  storageDriver: text.optional(),
});

const tls = z.object({ keyType: z.enum(['ecdsa', 'rsa']), sans: z.array(text) });

const recordError = z.object({ phase: text, message: text, at: text });

const processIdentity = z.object({ pid: z.number().int().positive(), startTime: text.optional(), hostname: text });

/** Version 1: what the first releases wrote. Absolute key paths were the user's, unmarked. */
export const recordSchemaV1 = z.object({
  schemaVersion: z.literal(1),
  name: text.regex(NAME_PATTERN).max(63),
  driver: text.min(1),
  /** The npm package that brings a plugin driver, so a missing plugin can be named. */
  driverPlugin: z.object({ name: text.min(1), version: text.min(1) }).optional(),
  status: z.enum(['creating', 'ready', 'error', 'removing']),
  createdAt: text,
  driverConfig: stringMap,
  driverState: stringMap,
  resources: z.array(resource),
  ip: text.optional(),
  ssh: sshEndpoint.optional(),
  dockerEndpoint: z.object({ host: text.min(1), port }).optional(),
  engine,
  tls,
  error: recordError.optional(),
});

/**
 * Version 2: the user's own absolute paths are listed in `userPaths`, and a record being created names
 * the process creating it (so one left behind by a killed process can be told apart from one in progress).
 * Every path in the record is inside the store or one of the user's.
 */
export const recordSchemaV2 = recordSchemaV1
  .extend({
    schemaVersion: z.literal(2),
    userPaths: z.array(text.refine((p) => path.isAbsolute(p), 'must be an absolute path')).optional(),
    creator: processIdentity.optional(),
    /** Swarm mode membership, kept by `machine swarm` (optional: records before it have none). */
    swarm: z.object({ role: z.enum(['manager', 'worker']), clusterId: text.min(1), nodeId: text.min(1) }).optional(),
    createPhase: text.optional(),
  })
  .superRefine((record, ctx) => {
    const userPaths = new Set(record.userPaths ?? []);
    const sshKeyPath = record.driverState.sshKeyPath;
    const paths: Array<[Array<string | number>, unknown]> = [
      [['ssh', 'keyPath'], record.ssh?.keyPath],
      [['engine', 'repoKeyPath'], record.engine.repoKeyPath],
      [['driverState', 'sshKeyPath'], sshKeyPath],
    ];
    for (const [at, value] of paths) {
      if (value === undefined) continue;
      const problem = typeof value === 'string' ? storePathProblem(value, userPaths) : 'should be a path';
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: at, message: problem });
    }
  });

/**
 * What removing a machine needs from its record: which driver, its config, and what it made. A record
 * that fails its schema elsewhere may still hold these, and then `rm` can still clean up.
 */
export const removalSchema = z.object({
  name: text,
  driver: text.min(1),
  driverConfig: stringMap,
  driverState: stringMap.default({}),
  resources: z.array(resource).default([]),
});

export type RecordV1 = z.infer<typeof recordSchemaV1>;
export type RecordV2 = z.infer<typeof recordSchemaV2>;

/**
 * Why a path from a record may not be used, if it may not: a relative path must stay inside the store,
 * and an absolute one must be one the user gave.
 */
export function storePathProblem(p: string, userPaths: ReadonlySet<string>): string | undefined {
  if (path.isAbsolute(p)) return userPaths.has(p) ? undefined : `${p} is outside the store and not a path the user gave`;
  const normal = path.normalize(p);
  if (normal === '..' || normal.startsWith(`..${path.sep}`)) return `${p} leads outside the store`;
  return undefined;
}

/** The first few problems, each with where it is, in one line. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

// The current schema describes exactly the MachineRecord type: a field added to one and not the
// other fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<RecordV2, MachineRecord & { schemaVersion: 2 }> = true;
void schemaMatchesType;
