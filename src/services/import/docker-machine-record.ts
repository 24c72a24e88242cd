import { RECORD_SCHEMA_VERSION, type EngineOptions, type MachineRecord, type ResourceRecord } from '../../core/machine-record';
import { type DockerMachineHost, PLAINTEXT_SECRET_FIELDS, driverBoolean, driverNumber, driverString, driverStrings } from './docker-machine-host';

/** docker-machine's default engine port, used when a driver does not record one. */
const DOCKER_MACHINE_ENGINE_PORT = 2376;

/** The record an import writes, or the reason a host cannot be imported. */
export type RecordTranslation = { record: MachineRecord; secretsSkipped: string[] } | { skipped: string };

/**
 * Translates a docker-machine host into a record that the generic or amazonec2 driver reads back
 * (their readConfig). `sshKeyPath` is where the import puts the host's SSH key inside our store.
 */
export function translateHost(host: DockerMachineHost, sshKeyPath: string, now: Date): RecordTranslation {
  const ip = driverString(host, 'IPAddress');
  const sshUser = driverString(host, 'SSHUser') ?? 'root';
  const sshPort = driverNumber(host, 'SSHPort') ?? 22;
  const base = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    name: host.Name,
    status: 'ready' as const,
    createdAt: now.toISOString(),
    // docker-machine signs with RSA keys; regenerate-certs keeps the key type the record names.
    tls: { keyType: 'rsa' as const, sans: [] },
  };
  switch (host.DriverName) {
    case 'generic': {
      if (!ip) return { skipped: 'its Driver.IPAddress is empty' };
      const enginePort = driverNumber(host, 'EnginePort') ?? DOCKER_MACHINE_ENGINE_PORT;
      return {
        secretsSkipped: [],
        record: {
          ...base,
          driver: 'generic',
          driverConfig: { ipAddress: ip, sshUser, sshPort, sshKeyPath, enginePort },
          driverState: {},
          // The host is the user's: nothing for `machine rm` to destroy.
          resources: [],
          ip,
          ssh: { host: ip, port: sshPort, user: sshUser, keyPath: sshKeyPath },
          engine: engineOptions(host, enginePort),
        },
      };
    }
    case 'amazonec2':
      return translateEc2(host, { ...base, sshUser, sshKeyPath });
    default:
      return { skipped: `the ${host.DriverName} driver is not one machine can import (generic and amazonec2 are)` };
  }
}

function translateEc2(
  host: DockerMachineHost,
  base: Pick<MachineRecord, 'schemaVersion' | 'name' | 'status' | 'createdAt' | 'tls'> & { sshUser: string; sshKeyPath: string },
): RecordTranslation {
  const instanceId = driverString(host, 'InstanceId');
  if (!instanceId) return { skipped: 'its Driver.InstanceId is empty (the instance was never launched)' };
  const region = driverString(host, 'Region') ?? 'us-east-1';
  const privateAddressOnly = driverBoolean(host, 'PrivateIPOnly');
  const usePrivateAddress = privateAddressOnly || driverBoolean(host, 'UsePrivateIP');
  const ip = usePrivateAddress ? driverString(host, 'PrivateIPAddress') : driverString(host, 'IPAddress');
  if (!ip) return { skipped: 'it has no recorded address' };
  const vpcId = driverString(host, 'VpcId');
  const subnetId = driverString(host, 'SubnetId');
  const ami = driverString(host, 'AMI');
  const securityGroup = driverStrings(host, 'SecurityGroupNames')[0] ?? driverString(host, 'SecurityGroupName') ?? 'docker-machine';
  const retries = driverNumber(host, 'RetryCount');
  const optional = (entries: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));

  const resources: ResourceRecord[] = [{ kind: 'ec2-instance', id: instanceId, attributes: { region } }];
  const keyName = driverString(host, 'KeyName');
  // docker-machine made this key pair itself unless the user named an existing one.
  if (keyName && !driverString(host, 'ExistingKey')) resources.push({ kind: 'ec2-key-pair', id: keyName, attributes: { region } });
  // The security group is not journaled: docker-machine shares one group among all its machines.

  return {
    secretsSkipped: PLAINTEXT_SECRET_FIELDS.filter((field) => driverString(host, field) !== undefined),
    record: {
      schemaVersion: base.schemaVersion,
      name: base.name,
      status: base.status,
      createdAt: base.createdAt,
      tls: base.tls,
      driver: 'amazonec2',
      driverConfig: {
        region,
        zone: driverString(host, 'Zone') ?? 'a',
        ...optional({ ami, vpcId, subnetId }),
        instanceType: driverString(host, 'InstanceType') ?? 't2.micro',
        securityGroup,
        allowedCidrs: [],
        openPorts: driverStrings(host, 'OpenPorts').flatMap(openPort),
        rootSizeGb: driverNumber(host, 'RootSize') ?? 16,
        volumeType: driverString(host, 'VolumeType') ?? 'gp2',
        encryptEbs: false,
        ...optional({ iamInstanceProfile: driverString(host, 'IamInstanceProfile'), spotPrice: driverString(host, 'SpotPrice') }),
        tags: tagPairs(driverString(host, 'Tags')),
        sshUser: base.sshUser,
        privateAddressOnly,
        usePrivateAddress,
        spot: driverBoolean(host, 'RequestSpotInstance'),
        ...optional({ userdataPath: driverString(host, 'UserDataFile'), endpoint: driverString(host, 'Endpoint') }),
        // docker-machine 0.16 launched instances without requiring IMDSv2 tokens.
        metadataTokens: 'optional',
        metadataHopLimit: 1,
        monitoring: driverBoolean(host, 'Monitoring'),
        ebsOptimized: driverBoolean(host, 'UseEbsOptimizedInstance'),
        maxAttempts: retries !== undefined && retries >= 1 && retries <= 50 ? retries : 8,
        enginePort: DOCKER_MACHINE_ENGINE_PORT,
      },
      driverState: { instanceId, ...optional({ amiId: ami, vpcId, subnetId }) },
      resources,
      ip,
      ssh: { host: ip, port: 22, user: base.sshUser, keyPath: base.sshKeyPath },
      engine: engineOptions(host, DOCKER_MACHINE_ENGINE_PORT),
    },
  };
}

function engineOptions(host: DockerMachineHost, port: number): EngineOptions {
  const options = host.HostOptions.EngineOptions ?? {};
  const list = (value: string[] | null | undefined) => (value ?? []).filter((v) => v !== '');
  return {
    // docker-machine installed from Docker's repository through its InstallURL script; "" meant none.
    install: options.InstallURL ? 'docker' : 'none',
    port,
    labels: list(options.Labels),
    // ArbitraryFlags are name=value without dashes, the form --engine-opt takes.
    opts: list(options.ArbitraryFlags),
    env: list(options.Env),
    insecureRegistries: list(options.InsecureRegistry),
    registryMirrors: list(options.RegistryMirror),
    ...(options.StorageDriver ? { storageDriver: options.StorageDriver } : {}),
  };
}

/** docker-machine writes open ports as "8080" or "8080/udp". */
function openPort(text: string): Array<{ port: number; protocol: 'tcp' | 'udp' }> {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(text);
  if (!match) return [];
  return [{ port: Number(match[1]), protocol: (match[2] ?? 'tcp') as 'tcp' | 'udp' }];
}

/** docker-machine keeps tags as one string of alternating keys and values: "k1,v1,k2,v2". */
function tagPairs(text: string | undefined): Record<string, string> {
  const parts = (text ?? '').split(',');
  const tags: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) tags[parts[i]] = parts[i + 1];
  return tags;
}
