import { captureDebugLines } from '../helpers/debug-capture';
import { ec2ConfigFromFlags } from '../../drivers/amazonec2/config';
import { sdkEc2Port } from '../../drivers/amazonec2/sdk-port';
import { enableDebug } from '../../src/util/debug';
import { type FakeEc2, inertBackend, startFakeEc2 } from '../e2e/harness/ec2-endpoint';

/**
 * What --debug shows of EC2, through the real SDK against the local EC2 endpoint (SigV4, EC2's error
 * codes and throttling as EC2 answers them): each call with its duration and attempts, each failed
 * attempt, and never the credentials or the signature.
 */
const REGION = 'eu-west-1';
const KEY = { accessKeyId: 'AKIAFAKEEC2DEBUG0001', secretAccessKey: 'Xk2sQ9w8Rt7Yu6Io5Pa4Sd3Fg2Hj1Kl0Zx9Cv8Bn' };

let fake: FakeEc2;
const lines: string[] = [];

const port = () => sdkEc2Port(ec2ConfigFromFlags({ 'amazonec2-region': REGION, 'amazonec2-endpoint': fake.endpoint, 'amazonec2-retries': 4 }, {}));

beforeAll(() => enableDebug());
beforeEach(async () => {
  fake = await startFakeEc2({ region: REGION, ...KEY, backend: inertBackend });
  process.env.AWS_ACCESS_KEY_ID = KEY.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = KEY.secretAccessKey;
  lines.length = 0;
  captureDebugLines(lines);
});
afterEach(async () => {
  jest.restoreAllMocks();
  await fake.close();
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});

// EC2 names the request id; this endpoint does not, so the tests accept it absent.
it('logs each call with its duration and attempts', async () => {
  expect(await port().defaultVpcId()).toMatch(/^vpc-/);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/ machine:api EC2 DescribeVpcs ok in \d+ ms \(1 attempt(, request \S+)?\)\n$/);
});

it('logs each throttled attempt, then the call with its retries', async () => {
  fake.throttle('DescribeVpcs', 2);
  expect(await port().defaultVpcId()).toMatch(/^vpc-/);
  expect(lines.map((line) => line.replace(/^\S+ \+\d+ms /, ''))).toEqual([
    'machine:retry EC2 DescribeVpcs attempt 1/4 failed: RequestLimitExceeded (HTTP 503)\n',
    'machine:retry EC2 DescribeVpcs attempt 2/4 failed: RequestLimitExceeded (HTTP 503)\n',
    expect.stringMatching(/^machine:api EC2 DescribeVpcs ok in \d+ ms \(3 attempts, \d+ ms retry delay(, request \S+)?\)\n$/),
  ]);
}, 60_000);

it("logs a failed call with EC2's error code, and keeps the credentials out", async () => {
  expect(await port().describeImage('ami-00000000000000000')).toBeUndefined();
  expect(lines[lines.length - 1]).toMatch(/ machine:api EC2 DescribeImages failed in \d+ ms: InvalidAMIID\.NotFound \(1 attempt(, request \S+)?\)\n$/);
  const all = lines.join('');
  expect(all).not.toContain(KEY.secretAccessKey);
  expect(all).not.toMatch(/Signature=|Authorization/i);
});
