import { ec2ConfigFromFlags } from '../../../drivers/amazonec2/config';
import { Ec2Driver } from '../../../drivers/amazonec2/ec2-driver';
import type { Driver } from '../../../src/core/driver';
import { FakeEc2Port } from './fake-port';

/** `ls` over EC2 machines: one DescribeInstances for the machines of one region and account, not one each. */
function driverFor(ec2: FakeEc2Port, name: string, instanceId: string | undefined, flags: Record<string, unknown> = {}): Ec2Driver {
  const state = instanceId ? { instanceId } : {};
  return new Ec2Driver({ machineName: name, machineDir: `/store/machines/${name}`, sshKeyPath: `/store/machines/${name}/id_ed25519`, storePath: '/store', config: ec2ConfigFromFlags(flags, {}), state, resources: [] }, ec2);
}

async function launch(ec2: FakeEc2Port, state: 'running' | 'stopped' | 'terminated'): Promise<string> {
  const id = await ec2.runInstance({ tags: {}, securityGroupIds: [] } as unknown as Parameters<FakeEc2Port['runInstance']>[0]);
  const instance = ec2.instances.get(id);
  if (instance) instance.state = state;
  return id;
}

it('answers every machine of the region in one call: running, stopped, gone, and never launched', async () => {
  const ec2 = new FakeEc2Port();
  const running = driverFor(ec2, 'a', await launch(ec2, 'running'));
  const stopped = driverFor(ec2, 'b', await launch(ec2, 'stopped'));
  const gone = driverFor(ec2, 'c', 'i-00000000000000099');
  const unlaunched = driverFor(ec2, 'd', undefined);
  ec2.calls.length = 0;

  const states = await running.batchStates([running, stopped, gone, unlaunched]);

  expect(ec2.calls).toEqual(['DescribeInstances']);
  expect([running, stopped, gone, unlaunched].map((d) => states.get(d))).toEqual(['Running', 'Stopped', 'NotFound', 'NotFound']);
  // The same answers as each driver's own state().
  expect(await Promise.all([running, stopped, gone, unlaunched].map((d) => d.state()))).toEqual(['Running', 'Stopped', 'NotFound', 'NotFound']);
});

it('leaves out machines of another region (and drivers of another kind) for a call of their own', async () => {
  const ec2 = new FakeEc2Port();
  const here = driverFor(ec2, 'a', await launch(ec2, 'running'));
  const elsewhere = driverFor(ec2, 'b', await launch(ec2, 'running'), { 'amazonec2-region': 'eu-west-1' });
  const other: Driver = { name: 'generic' } as Driver;
  const states = await here.batchStates([here, elsewhere, other]);
  expect([...states.keys()]).toEqual([here]);
});

it('asks nothing when no machine has an instance', async () => {
  const ec2 = new FakeEc2Port();
  const unlaunched = driverFor(ec2, 'd', undefined);
  expect((await unlaunched.batchStates([unlaunched])).get(unlaunched)).toBe('NotFound');
  expect(ec2.calls).toEqual([]);
});
