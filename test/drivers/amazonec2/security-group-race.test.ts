import { ec2ConfigFromFlags } from '../../../drivers/amazonec2/config';
import { ensureSecurityGroup } from '../../../drivers/amazonec2/security-group';
import { OperationError } from '../../../src/core/errors';
import { FakeEc2Port } from './fake-port';

/** Two creates started at once both find no group; the one whose CreateSecurityGroup loses uses the winner's. */
it('a group made by another create between our look and our request is used, not reported', async () => {
  const ec2 = new FakeEc2Port();
  const config = ec2ConfigFromFlags({}, {});
  const theirs = await ec2.createSecurityGroup(config.securityGroup, 'made by the other create', 'vpc-11111111', { 'machine:managed': 'true' });
  const realFind = ec2.findSecurityGroup.bind(ec2);
  let looks = 0;
  // Our first look happens before the other create's group exists.
  ec2.findSecurityGroup = async (name, vpcId) => (++looks === 1 ? undefined : realFind(name, vpcId));
  ec2.failures.set('CreateSecurityGroup', new OperationError('EC2_INVALIDGROUP_DUPLICATE', "EC2 CreateSecurityGroup failed: The security group 'machine' already exists"));
  const journaled: string[] = [];

  const choice = await ensureSecurityGroup(ec2, config, 'vpc-11111111', 'dev1', () => undefined, {
    beforeCreate: async () => void journaled.push('request'),
    created: async (id) => void journaled.push(id),
  });

  expect(choice).toEqual({ groupId: theirs, managed: true, created: false });
  // The request was journaled before it was sent; no id of ours was, since EC2 made none for us.
  expect(journaled).toEqual(['request']);
  // The winner may not have added its rules yet: the group is ours (tagged), so we add what is missing.
  expect(ec2.groups.get(theirs)?.ingress.sort()).toEqual(['tcp:22:0.0.0.0/0', 'tcp:2376:0.0.0.0/0']);
});

it('any other failure of CreateSecurityGroup is still the failure', async () => {
  const ec2 = new FakeEc2Port();
  ec2.failures.set('CreateSecurityGroup', new OperationError('EC2_UNAUTHORIZEDOPERATION', 'EC2 CreateSecurityGroup failed: UnauthorizedOperation'));
  await expect(ensureSecurityGroup(ec2, ec2ConfigFromFlags({}, {}), 'vpc-11111111', 'dev1', () => undefined, { beforeCreate: async () => undefined, created: async () => undefined })).rejects.toThrow('UnauthorizedOperation');
});
