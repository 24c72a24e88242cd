/**
 * The environment under which the AWS SDK's default chain finds exactly these credentials and region,
 * and nothing of whoever runs the tests: no profile, no config or credentials file, no probing of an
 * instance-metadata service.
 */
export function isolatedAwsEnv(credentials: { accessKeyId: string; secretAccessKey: string }, region: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: '',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
}
