import { randomBytes } from 'node:crypto';
import { EC2Client, TerminateInstancesCommand, waitUntilInstanceTerminated } from '@aws-sdk/client-ec2';
import { findDriver } from '../../../src/services/driver-registry';
import { type FakeEc2, startFakeEc2 } from '../harness/ec2-endpoint';
import type { BackingResource, ContractBacking, ContractMachine } from './backing';
import { machineFolderResources } from './machine-folder';
import { isolatedAwsEnv } from '../helpers/aws-env';

const REGION = 'us-east-1';

/**
 * The amazonec2 driver's backing: the local EC2 endpoint, reached through the real AWS SDK, booting a
 * real VM per instance. Each machine gets a security group of its own name, so that whatever group
 * exists under that name is unambiguously this machine's.
 */
export function amazonec2Backing(): ContractBacking {
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64');
  let fake: FakeEc2 | undefined;
  const endpoint = (): FakeEc2 => {
    if (!fake) throw new Error('the amazonec2 backing was not set up');
    return fake;
  };
  const groupName = (machineName: string): string => `contract-${machineName}`;

  return {
    driver: 'amazonec2',
    vanished: { state: 'NotFound' },
    async setUp() {
      fake = await startFakeEc2({ region: REGION, accessKeyId, secretAccessKey, vmVariant: 'base' });
    },
    configFor(machineName) {
      return findDriver('amazonec2').configFromFlags({
        'amazonec2-endpoint': endpoint().endpoint,
        'amazonec2-region': REGION,
        'amazonec2-security-group': groupName(machineName),
      });
    },
    // What an IAM policy missing one permission does: that one call is refused, and not retried.
    refusals: ['ImportKeyPair', 'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'RunInstances'],
    refuseNext(operation) {
      endpoint().failNext(operation, { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 });
    },
    stopRefusing: () => endpoint().clearFaults(),
    // The SDK's default chain reads these; nothing else may (no profile or metadata service of whoever runs the tests).
    processEnv: () => isolatedAwsEnv({ accessKeyId, secretAccessKey }, REGION),
    async leftovers(machine) {
      return [...cloudResources(endpoint(), machine, groupName(machine.name)), ...(await machineFolderResources(machine.dir))];
    },
    async vanish(machine) {
      // Terminated from the console, as a user or an account's clean-up job does.
      const ids = liveInstances(endpoint(), machine).map((i) => i.instanceId);
      if (ids.length === 0) throw new Error(`${machine.name} has no instance to vanish`);
      const client = new EC2Client({ region: REGION, endpoint: endpoint().endpoint, credentials: { accessKeyId, secretAccessKey } });
      await client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
      await waitUntilInstanceTerminated({ client, maxWaitTime: 120, minDelay: 1 }, { InstanceIds: ids });
    },
    async tearDown() {
      await fake?.close();
    },
  };
}

function liveInstances(fake: FakeEc2, machine: ContractMachine) {
  return fake.snapshot().instances.filter((i) => i.tags['machine:name'] === machine.name && i.state !== 'terminated');
}

function cloudResources(fake: FakeEc2, machine: ContractMachine, groupName: string): BackingResource[] {
  const snapshot = fake.snapshot();
  const keyPairs = snapshot.keyPairs
    .filter((k) => k.name.startsWith(`machine-${machine.name}-`))
    .map((k) => ({ description: `key pair ${k.name}`, journaledAs: [{ kind: 'ec2-key-pair', id: k.name }] }));
  const groups = snapshot.securityGroups
    .filter((g) => g.name === groupName)
    // By its id, or by the request journaled before CreateSecurityGroup was sent (remove finds it by name).
    .map((g) => ({
      description: `security group ${g.name} (${g.groupId})`,
      journaledAs: [{ kind: 'ec2-security-group', id: g.groupId }, { kind: 'ec2-security-group-request', id: `${g.vpcId}/${g.name}` }],
    }));
  // Found by the name tag RunInstances sets at launch; accounted for by its id or by the launch token it carries.
  const instances = liveInstances(fake, machine).map((i) => ({
    description: `instance ${i.instanceId} (${i.state})`,
    journaledAs: [{ kind: 'ec2-instance', id: i.instanceId }, ...(i.tags['machine:launch'] ? [{ kind: 'ec2-launch', id: i.tags['machine:launch'] }] : [])],
  }));
  return [...keyPairs, ...groups, ...instances];
}
