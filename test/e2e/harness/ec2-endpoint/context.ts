import { randomBytes, randomInt } from 'node:crypto';
import type { GuestHandle, InstanceBackend } from './backend';
import type { Image, Instance, KeyPair, SecurityGroup, Subnet, Vpc } from './model';
import type { QueryParams } from './query';
import type { XmlValue } from './xml';

/** Everything the actions share: the account's resources, the guests running, and how to name things. */
export class Ec2Context {
  readonly keyPairs = new Map<string, KeyPair>();
  readonly groups = new Map<string, SecurityGroup>();
  readonly instances = new Map<string, Instance>();
  readonly guests = new Map<string, GuestHandle>();
  /** Each instance's background work (boot, stop, terminate), chained. */
  readonly inFlight = new Map<string, Promise<void>>();
  /** New instances are unknown to DescribeInstances this many times (eventual consistency). */
  hideNewInstancesFor = 0;
  /** How long a launched (or started) instance stays pending before its guest boots. */
  pendingMs = 0;
  private publicHost = 10;
  private privateHost = 10;
  /**
   * A /16 of loopback addresses of its own (127.64.0.0 to 127.191.0.0), so two endpoints running at
   * once (a test and a benchmark) do not hand out the same "IP" and fight over its port 22.
   */
  private readonly network = 64 + randomInt(128);

  constructor(
    readonly region: string,
    readonly vpcs: Vpc[],
    readonly subnets: Subnet[],
    readonly images: Image[],
    readonly backend: InstanceBackend,
    readonly pageSize: number,
  ) {}

  id(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
  }

  /** A fresh "public IP": a loopback address (127.N.0.x) the guest's ports are forwarded on. */
  nextPublicIp(): string {
    return `127.${this.network}.0.${this.publicHost++}`;
  }

  nextPrivateIp(): string {
    return `127.${this.network}.1.${this.privateHost++}`;
  }
}

export type Handler = (params: QueryParams, ctx: Ec2Context) => Promise<Record<string, XmlValue>> | Record<string, XmlValue>;
