import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImageVariant } from '../vm';
import { catalogActions } from './actions-catalog';
import { instanceActions } from './actions-instances';
import { networkActions } from './actions-network';
import { type InstanceBackend } from './backend';
import { defaultNetwork, ubuntuImages } from './catalog';
import { Ec2Context, type Handler } from './context';
import type { Ec2Snapshot, RequestRecord } from './model';
import { Ec2Error, QueryParams } from './query';
import { qemuBackend } from './qemu-backend';
import { verifySigV4 } from './sigv4';
import { errorXml, successXml } from './xml';

export interface FakeEc2Options {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Default: real VMs from the harness image (`engine`: Debian with docker.io). */
  backend?: InstanceBackend;
  vmVariant?: ImageVariant;
  /** Items per Describe page, even without MaxResults. Default 2. */
  pageSize?: number;
  /** The share of calls (0 to 1) answered RequestLimitExceeded at random, as a busy account sees. Default 0. */
  throttleShare?: number;
}

export interface InjectedFault {
  code: string;
  message: string;
  status: number;
  times: number;
}

export interface FakeEc2 {
  endpoint: string;
  /** Every call, in order, including the rejected ones. */
  readonly requests: RequestRecord[];
  snapshot(): Ec2Snapshot;
  /** The next `times` calls of `action` fail with this EC2 error. */
  failNext(action: string, fault: Partial<InjectedFault> & { code: string }): void;
  /** Drops every fault still waiting (failNext and throttle) that no call used up. */
  clearFaults(): void;
  /** The next `times` calls of `action` are throttled (503 RequestLimitExceeded). */
  throttle(action: string, times: number): void;
  /** The next instance launched is unknown to Describe calls by id this many times. */
  hideNewInstances(times: number): void;
  /** Instances stay pending this long before their guest boots. */
  delayRunning(ms: number): void;
  /** From now on, this share of calls (0 to 1) is throttled at random; 0 turns it off. */
  throttleShare(share: number): void;
  /** Waits for background work (boots, stops, terminations) queued so far. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** EC2's answer to a throttled call: HTTP 503 with this code and message. */
const THROTTLED = { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 };
const throttled = () => new Ec2Error(THROTTLED.code, THROTTLED.message, THROTTLED.status);

const ACTIONS: Record<string, Handler> = { ...catalogActions, ...networkActions, ...instanceActions };

/**
 * A local EC2 endpoint speaking the Query protocol (form-encoded `Action=...`, SigV4-signed, XML in the
 * EC2 namespace, EC2 error codes), for the real AWS SDK. Instances are real VMs by default.
 */
export async function startFakeEc2(options: FakeEc2Options): Promise<FakeEc2> {
  const { vpc, subnets } = defaultNetwork(options.region);
  const backend = options.backend ?? qemuBackend(options.vmVariant ?? 'engine');
  const ctx = new Ec2Context(options.region, [vpc], subnets, ubuntuImages(), backend, options.pageSize ?? 2);
  ctx.groups.set('sg-0defa0170000000001', { groupId: 'sg-0defa0170000000001', name: 'default', description: 'default VPC security group', vpcId: vpc.vpcId, tags: {}, ingress: [] });
  const credentials = new Map([[options.accessKeyId, options.secretAccessKey]]);
  const requests: RequestRecord[] = [];
  const faults = new Map<string, InjectedFault[]>();
  let throttleShare = options.throttleShare ?? 0;

  const handle = async (req: http.IncomingMessage, body: string): Promise<{ status: number; xml: string }> => {
    const requestId = randomUUID();
    const params = QueryParams.parse(body);
    const action = params.get('Action') ?? '';
    const record: RequestRecord = { action, params: { ...params.flat } };
    requests.push(record);
    try {
      record.accessKeyId = verifySigV4(req.method ?? 'POST', req.url ?? '/', req.headers, body, credentials, options.region);
      // After authentication, as EC2 does: a badly signed call is refused, not throttled.
      if (throttleShare > 0 && Math.random() < throttleShare) throw throttled();
      const fault = faults.get(action)?.[0];
      if (fault) {
        if (--fault.times <= 0) faults.get(action)?.shift();
        throw new Ec2Error(fault.code, fault.message, fault.status);
      }
      const handler = ACTIONS[action];
      if (!handler) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
      const xml = successXml(action, requestId, await handler(params, ctx));
      record.response = xml;
      return { status: 200, xml };
    } catch (err) {
      const failure = err instanceof Ec2Error ? err : new Ec2Error('InternalError', err instanceof Error ? err.message : String(err), 500);
      record.error = failure.code;
      return { status: failure.status, xml: errorXml(failure.code, failure.message, requestId) };
    }
  };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      void handle(req, body).then(({ status, xml }) => {
        res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(xml);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const settled = async () => {
    await Promise.all(ctx.inFlight.values());
  };
  const addFault = (action: string, fault: InjectedFault) => faults.set(action, [...(faults.get(action) ?? []), fault]);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    snapshot: () => structuredClone({
      keyPairs: [...ctx.keyPairs.values()].map((k) => ({ name: k.keyName, tags: k.tags })),
      securityGroups: [...ctx.groups.values()].map(({ groupId, name, vpcId, tags, ingress }) => ({ groupId, name, vpcId, tags, ingress })),
      instances: [...ctx.instances.values()].map(({ hiddenFor: _hidden, ...rest }) => rest),
      volumes: [...ctx.instances.values()].flatMap((i) => i.volumes),
    }),
    failNext: (action, fault) => addFault(action, { message: `injected ${fault.code}`, status: 400, times: 1, ...fault }),
    clearFaults: () => faults.clear(),
    throttle: (action, times) => addFault(action, { code: THROTTLED.code, message: THROTTLED.message, status: THROTTLED.status, times }),
    throttleShare: (share) => (throttleShare = share),
    hideNewInstances: (times) => (ctx.hideNewInstancesFor = times),
    delayRunning: (ms) => (ctx.pendingMs = ms),
    settled,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await settled();
      await Promise.all([...ctx.guests.values()].map((g) => g.kill()));
      await backend.close();
    },
  };
}
