import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a docker-machine 0.16 store the way docker-machine lays it out: certs/{ca,ca-key,cert,key}.pem
 * and machines/NAME/{config.json, id_rsa, ca.pem, cert.pem, key.pem, server.pem, server-key.pem}, with
 * host files in the ConfigVersion 3 JSON schema. The certificates come from the openssl CLI, RSA as
 * docker-machine makes them, so the import is checked against material our own TLS code did not write.
 */
export class DockerMachineStoreFixture {
  constructor(readonly root: string) {}

  get certsDir(): string {
    return path.join(this.root, 'certs');
  }
  machineDir(name: string): string {
    return path.join(this.root, 'machines', name);
  }

  /** The store-wide CA and client certificate (docker-machine makes them once). */
  async writeCertificates(): Promise<void> {
    await fs.mkdir(this.certsDir, { recursive: true });
    const file = (f: string) => path.join(this.certsDir, f);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '30', '-subj', '/O=tester'], this.root);
    this.issue('client', file('key.pem'), file('cert.pem'), ['extendedKeyUsage=clientAuth']);
  }

  /** A machine folder with its server certificate naming `sans` (e.g. ["IP:127.0.0.1"]). */
  async writeMachine(name: string, config: object, options: { sans?: string[]; sshKeyFrom?: string } = {}): Promise<void> {
    const dir = this.machineDir(name);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 4));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await fs.copyFile(path.join(this.certsDir, f), path.join(dir, f));
    if (options.sans) {
      this.issue(name, path.join(dir, 'server-key.pem'), path.join(dir, 'server.pem'), ['extendedKeyUsage=serverAuth', `subjectAltName=${options.sans.join(',')}`]);
    }
    if (options.sshKeyFrom) await fs.copyFile(options.sshKeyFrom, path.join(dir, 'id_rsa'));
  }

  private issue(subject: string, keyPath: string, certPath: string, extensions: string[]): void {
    const csr = `${certPath}.csr`;
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csr, '-subj', `/O=tester.${subject}`], this.root);
    const ext = `${certPath}.ext`;
    execFileSync('sh', ['-c', `printf '%s\\n' "$@" > '${ext}'`, 'sh', ...extensions]);
    openssl(['x509', '-req', '-in', csr, '-CA', path.join(this.certsDir, 'ca.pem'), '-CAkey', path.join(this.certsDir, 'ca-key.pem'), '-CAcreateserial', '-out', certPath, '-days', '30', '-extfile', ext], this.root);
  }
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A generic host file as docker-machine 0.16 writes it. */
export function genericHostConfig(root: string, name: string, driver: { ip: string; user: string; port: number }): object {
  return {
    ConfigVersion: 3,
    Driver: {
      IPAddress: driver.ip,
      MachineName: name,
      SSHUser: driver.user,
      SSHPort: driver.port,
      SSHKeyPath: path.join(root, 'machines', name, 'id_rsa'),
      StorePath: root,
      SwarmMaster: false,
      SwarmHost: 'tcp://0.0.0.0:3376',
      SwarmDiscovery: '',
      EnginePort: 2376,
      SSHKey: '/home/someone/.ssh/id_rsa',
    },
    DriverName: 'generic',
    HostOptions: hostOptions(root, name),
    Name: name,
  };
}

/** An amazonec2 host file as docker-machine 0.16 writes it, plaintext credentials included. */
export function ec2HostConfig(root: string, name: string, secrets: { accessKey: string; secretKey: string }): object {
  return {
    ConfigVersion: 3,
    Driver: {
      IPAddress: '198.51.100.7',
      MachineName: name,
      SSHUser: 'ubuntu',
      SSHPort: 22,
      SSHKeyPath: path.join(root, 'machines', name, 'id_rsa'),
      StorePath: root,
      SwarmMaster: false,
      SwarmHost: '',
      SwarmDiscovery: '',
      Id: '4f1c3b9a2e7d',
      AccessKey: secrets.accessKey,
      SecretKey: secrets.secretKey,
      SessionToken: '',
      Region: 'eu-west-1',
      AMI: 'ami-0a1b2c3d4e5f60718',
      SSHKeyID: 0,
      ExistingKey: false,
      KeyName: name,
      InstanceId: 'i-0123456789abcdef0',
      InstanceType: 't2.micro',
      PrivateIPAddress: '10.0.1.20',
      SecurityGroupId: 'sg-0a1b2c3d',
      SecurityGroupIds: ['sg-0a1b2c3d'],
      SecurityGroupName: '',
      SecurityGroupNames: ['docker-machine'],
      OpenPorts: ['8080', '53/udp'],
      Tags: 'team,infra,env,dev',
      ReservationId: 'r-0123456789abcdef0',
      DeviceName: '/dev/sda1',
      RootSize: 16,
      VolumeType: 'gp2',
      IamInstanceProfile: '',
      VpcId: 'vpc-0a1b2c3d',
      SubnetId: 'subnet-0a1b2c3d',
      Zone: 'b',
      RequestSpotInstance: false,
      SpotPrice: '0.50',
      BlockDurationMinutes: 0,
      PrivateIPOnly: false,
      UsePrivateIP: false,
      UseEbsOptimizedInstance: false,
      Monitoring: false,
      SSHPrivateKeyPath: '',
      RetryCount: 5,
      Endpoint: '',
      DisableSSL: false,
      UserDataFile: '',
    },
    DriverName: 'amazonec2',
    HostOptions: hostOptions(root, name),
    Name: name,
  };
}

export function virtualboxHostConfig(root: string, name: string): object {
  return {
    ConfigVersion: 3,
    Driver: { IPAddress: '192.168.99.100', MachineName: name, SSHUser: 'docker', SSHPort: 50022, SSHKeyPath: '', StorePath: root, CPU: 1, Memory: 1024, DiskSize: 20000 },
    DriverName: 'virtualbox',
    HostOptions: hostOptions(root, name),
    Name: name,
  };
}

function hostOptions(root: string, name: string): object {
  const certs = path.join(root, 'certs');
  const machine = path.join(root, 'machines', name);
  return {
    Driver: '',
    Memory: 0,
    Disk: 0,
    EngineOptions: {
      ArbitraryFlags: ['log-level=debug'],
      Dns: null,
      GraphDir: '',
      Env: ['HTTP_PROXY=http://proxy.internal:3128'],
      Ipv6: false,
      InsecureRegistry: [],
      Labels: ['team=infra'],
      LogLevel: '',
      StorageDriver: '',
      SelinuxEnabled: false,
      TlsVerify: true,
      RegistryMirror: [],
      InstallURL: 'https://get.docker.com',
    },
    SwarmOptions: { IsSwarm: false, Address: '', Discovery: '', Agent: false, Master: false, Host: 'tcp://0.0.0.0:3376', Image: 'swarm:latest', Strategy: 'spread', Heartbeat: 0, Overcommit: 0, ArbitraryFlags: [], ArbitraryJoinFlags: [], Env: null, IsExperimental: false },
    AuthOptions: {
      CertDir: certs,
      CaCertPath: path.join(certs, 'ca.pem'),
      CaPrivateKeyPath: path.join(certs, 'ca-key.pem'),
      CaCertRemotePath: '',
      ServerCertPath: path.join(machine, 'server.pem'),
      ServerKeyPath: path.join(machine, 'server-key.pem'),
      ClientKeyPath: path.join(certs, 'key.pem'),
      ServerCertRemotePath: '',
      ServerKeyRemotePath: '',
      ClientCertPath: path.join(certs, 'cert.pem'),
      ServerCertSANs: [],
      StorePath: machine,
    },
  };
}
