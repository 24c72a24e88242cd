import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { MachineApp } from '../../../src/services/app';
import type { MachineRecord } from '../../../src/core/machine-record';
import { type Material, makeMaterial } from '../../engine/fake-dockerd';
import { sampleRecord } from '../../helpers/tmp-store';

/**
 * Swarm mode cannot run in a unit test, so this stands in for it at the engine API, the wire the real
 * code speaks: one dockerd per machine (HTTPS, our client certificate required), all sharing one
 * cluster model. It answers the calls `machine swarm` makes the way dockerd does (status codes, the
 * `{"message"}` errors, node versions for updates), and records every call. Tasks are counts per node:
 * a drained node's tasks move to the other active nodes at the next /tasks look.
 */
export const WORKER_TOKEN = `SWMTKN-1-${'w'.repeat(50)}-workersecret`;
export const MANAGER_TOKEN = `SWMTKN-1-${'m'.repeat(50)}-managersecret`;

interface Node {
  id: string;
  machine: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  state: 'ready' | 'down';
  addr: string;
  version: number;
  tasks: number;
}

export interface EngineCall {
  machine: string;
  method: string;
  path: string;
  body?: unknown;
}

interface Engine {
  machine: string;
  server: https.Server;
  port: number;
  nodeId?: string;
  /** A stopped engine refuses connections (its server is closed). */
  up: boolean;
}

export class FakeSwarm {
  clusterId: string | undefined;
  readonly nodes = new Map<string, Node>();
  readonly calls: EngineCall[] = [];
  private readonly engines = new Map<string, Engine>();

  private constructor(private readonly material: Material) {}

  static async start(): Promise<FakeSwarm> {
    return new FakeSwarm(await makeMaterial());
  }

  /** A machine of the generic driver at `ip` whose engine is a fresh fake dockerd; its client certificates go into the store. */
  async addMachine(app: MachineApp, name: string, ip: string): Promise<MachineRecord> {
    const engine: Engine = { machine: name, server: https.createServer({ cert: this.material.server.certPem, key: this.material.server.keyPem, ca: this.material.ca.certPem, requestCert: true, rejectUnauthorized: true }), port: 0, up: true };
    engine.server.on('request', (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const parsed = body ? (JSON.parse(body) as unknown) : undefined;
        this.calls.push({ machine: name, method: req.method ?? 'GET', path: req.url ?? '/', ...(parsed !== undefined ? { body: parsed } : {}) });
        const [status, answer] = this.answer(engine, req.method ?? 'GET', new URL(req.url ?? '/', 'https://engine'), parsed);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(answer === undefined ? '' : JSON.stringify(answer));
      });
    });
    engine.server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => engine.server.listen(0, '127.0.0.1', resolve));
    engine.port = (engine.server.address() as AddressInfo).port;
    this.engines.set(name, engine);
    const record = sampleRecord(name, { ip, dockerEndpoint: { host: '127.0.0.1', port: engine.port }, driverConfig: { ipAddress: ip, sshUser: 'admin', sshPort: 22, enginePort: 2376 } });
    await app.store.save(record);
    await fs.writeFile(app.layout.machineFile(name, 'ca.pem'), this.material.ca.certPem);
    await fs.writeFile(app.layout.machineFile(name, 'cert.pem'), this.material.client.certPem);
    await fs.writeFile(app.layout.machineFile(name, 'key.pem'), this.material.client.keyPem);
    return record;
  }

  /** The machine's engine stops answering (the host is down); its node goes down in the cluster. */
  async stopEngine(name: string): Promise<void> {
    const engine = this.engineOf(name);
    engine.up = false;
    (engine.server as https.Server & { closeAllConnections(): void }).closeAllConnections();
    await new Promise<void>((resolve) => engine.server.close(() => resolve()));
    const node = engine.nodeId ? this.nodes.get(engine.nodeId) : undefined;
    if (node) node.state = 'down';
  }

  async close(): Promise<void> {
    for (const engine of this.engines.values()) if (engine.up) await this.stopEngine(engine.machine);
  }

  nodeOf(name: string): Node | undefined {
    return [...this.nodes.values()].find((n) => n.machine === name);
  }

  /** Puts `count` running tasks of a service on the machine's node. */
  runTasks(name: string, count: number): void {
    const node = this.nodeOf(name);
    if (!node) throw new Error(`${name} is no node`);
    node.tasks += count;
  }

  callsTo(name: string): string[] {
    return this.calls.filter((c) => c.machine === name).map((c) => `${c.method} ${c.path}`);
  }

  private engineOf(name: string): Engine {
    const engine = this.engines.get(name);
    if (!engine) throw new Error(`no engine ${name}`);
    return engine;
  }

  private answer(engine: Engine, method: string, url: URL, body: unknown): [number, unknown] {
    const self = engine.nodeId ? this.nodes.get(engine.nodeId) : undefined;
    const isManager = self?.role === 'manager' && this.clusterId !== undefined;
    const notManager: [number, unknown] = [503, { message: 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.' }];
    const route = `${method} ${url.pathname}`;
    const spec = (body ?? {}) as Record<string, unknown>;
    if (route === 'GET /info') {
      const managers = [...this.nodes.values()].filter((n) => n.role === 'manager' && n.state === 'ready');
      return [200, {
        Name: engine.machine,
        Swarm: self
          ? { NodeID: self.id, NodeAddr: self.addr, LocalNodeState: 'active', ControlAvailable: isManager, Cluster: { ID: this.clusterId }, RemoteManagers: managers.map((m) => ({ NodeID: m.id, Addr: `${m.addr}:2377` })) }
          : { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, RemoteManagers: null },
      }];
    }
    if (route === 'POST /swarm/init') {
      if (self) return [503, { message: 'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.' }];
      this.clusterId = `cluster${randomBytes(10).toString('hex')}`;
      const node = this.addNode(engine, 'manager', String(spec.AdvertiseAddr ?? ''));
      return [200, node.id];
    }
    if (route === 'POST /swarm/join') {
      if (self) return [503, { message: 'This node is already part of a swarm.' }];
      const remote = Array.isArray(spec.RemoteAddrs) ? (spec.RemoteAddrs as string[]) : [];
      const managerAddrs = [...this.nodes.values()].filter((n) => n.role === 'manager').map((m) => `${m.addr}:2377`);
      if (!remote.some((a) => managerAddrs.includes(a))) return [500, { message: `could not connect to ${remote.join(',')}: no manager there` }];
      const role = spec.JoinToken === MANAGER_TOKEN ? 'manager' : spec.JoinToken === WORKER_TOKEN ? 'worker' : undefined;
      if (!role) return [400, { message: 'invalid join token' }];
      this.addNode(engine, role, String(spec.AdvertiseAddr ?? ''));
      return [200, undefined];
    }
    if (route === 'POST /swarm/leave') {
      if (!self) return [503, { message: 'This node is not part of a swarm' }];
      const force = url.searchParams.get('force') === 'true';
      if (self.role === 'manager' && !force) return [503, { message: 'You are attempting to leave the swarm on a node that is participating as a manager. Use --force to ignore this message.' }];
      self.state = 'down';
      self.tasks = 0;
      delete engine.nodeId;
      if ([...this.nodes.values()].every((n) => n.state === 'down')) {
        this.nodes.clear();
        this.clusterId = undefined;
      }
      return [200, undefined];
    }
    if (!isManager) return notManager;
    if (route === 'GET /swarm') return [200, { ID: this.clusterId, JoinTokens: { Worker: WORKER_TOKEN, Manager: MANAGER_TOKEN } }];
    if (route === 'GET /nodes') return [200, [...this.nodes.values()].map(nodeJson)];
    if (route === 'GET /tasks') {
      const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { node?: string[] };
      this.rebalance();
      const nodes = [...this.nodes.values()].filter((n) => !filters.node || filters.node.includes(n.id));
      return [200, nodes.flatMap((n) => Array.from({ length: n.tasks }, (_, i) => ({ ID: `${n.id}-t${i}`, NodeID: n.id, DesiredState: 'running', Status: { State: 'running' } })))];
    }
    const nodeMatch = /^\/nodes\/([^/]+)(\/update)?$/.exec(url.pathname);
    const node = nodeMatch ? this.nodes.get(nodeMatch[1] ?? '') : undefined;
    if (nodeMatch && !node) return [404, { message: `node ${nodeMatch[1]} not found` }];
    if (node && method === 'GET' && !nodeMatch?.[2]) return [200, nodeJson(node)];
    if (node && method === 'POST' && nodeMatch?.[2]) {
      if (Number(url.searchParams.get('version')) !== node.version) return [500, { message: 'update out of sequence' }];
      if (spec.Role === 'manager' || spec.Role === 'worker') node.role = spec.Role;
      if (spec.Availability === 'active' || spec.Availability === 'drain' || spec.Availability === 'pause') node.availability = spec.Availability;
      node.version++;
      return [200, undefined];
    }
    if (node && method === 'DELETE') {
      if (node.state !== 'down' && url.searchParams.get('force') !== 'true') return [400, { message: `node ${node.id} is not down and can't be removed` }];
      this.nodes.delete(node.id);
      return [200, undefined];
    }
    return [404, { message: 'page not found' }];
  }

  private addNode(engine: Engine, role: Node['role'], advertise: string): Node {
    const node: Node = { id: randomBytes(12).toString('hex').slice(0, 25), machine: engine.machine, role, availability: 'active', state: 'ready', addr: advertise.replace(/:\d+$/, ''), version: 1, tasks: 0 };
    this.nodes.set(node.id, node);
    engine.nodeId = node.id;
    return node;
  }

  /** Tasks of drained or down nodes start on the active, ready ones. */
  private rebalance(): void {
    const targets = [...this.nodes.values()].filter((n) => n.availability === 'active' && n.state === 'ready');
    for (const node of this.nodes.values()) {
      if ((node.availability === 'active' && node.state === 'ready') || node.tasks === 0 || targets.length === 0) continue;
      for (let i = 0; i < node.tasks; i++) (targets[i % targets.length] as Node).tasks++;
      node.tasks = 0;
    }
  }
}

function nodeJson(node: Node): unknown {
  return {
    ID: node.id,
    Version: { Index: node.version },
    Spec: { Role: node.role, Availability: node.availability, Labels: {} },
    Description: { Hostname: node.machine, Engine: { EngineVersion: '27.3.1' } },
    Status: { State: node.state, Addr: node.addr },
    ...(node.role === 'manager' ? { ManagerStatus: { Leader: false, Reachability: node.state === 'ready' ? 'reachable' : 'unreachable', Addr: `${node.addr}:2377` } } : {}),
  };
}
