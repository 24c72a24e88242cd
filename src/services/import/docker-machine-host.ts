/**
 * The parts of a docker-machine 0.16 host file (machines/NAME/config.json, ConfigVersion 3) that an
 * import needs. docker-machine writes Go structs as JSON: the driver's own fields sit beside the
 * embedded base driver's (IPAddress, MachineName, SSHUser, SSHPort, SSHKeyPath, StorePath).
 */
export interface DockerMachineAuthOptions {
  CertDir?: string;
  CaCertPath?: string;
  CaPrivateKeyPath?: string;
  ServerCertPath?: string;
  ServerKeyPath?: string;
  ClientKeyPath?: string;
  ClientCertPath?: string;
  StorePath?: string;
}

export interface DockerMachineEngineOptions {
  ArbitraryFlags?: string[] | null;
  Env?: string[] | null;
  InsecureRegistry?: string[] | null;
  Labels?: string[] | null;
  RegistryMirror?: string[] | null;
  StorageDriver?: string;
  InstallURL?: string;
}

export interface DockerMachineHost {
  ConfigVersion: number;
  Name: string;
  DriverName: string;
  /** The driver's fields, whose set depends on DriverName. */
  Driver: Record<string, unknown>;
  HostOptions: { EngineOptions?: DockerMachineEngineOptions; AuthOptions?: DockerMachineAuthOptions };
}

/** Fields of docker-machine's amazonec2 driver that hold credentials in plain text: never copied. */
export const PLAINTEXT_SECRET_FIELDS = ['AccessKey', 'SecretKey', 'SessionToken'] as const;

/** Parses and checks the shape of one host file; throws an Error naming what is wrong. */
export function parseDockerMachineHost(text: string): DockerMachineHost {
  const raw: unknown = JSON.parse(text);
  if (!isObject(raw)) throw new Error('not a JSON object');
  if (raw.ConfigVersion !== 3) throw new Error(`ConfigVersion ${JSON.stringify(raw.ConfigVersion)} is not 3 (the docker-machine 0.16 format)`);
  if (typeof raw.Name !== 'string' || !raw.Name) throw new Error('no Name');
  if (typeof raw.DriverName !== 'string' || !raw.DriverName) throw new Error('no DriverName');
  if (!isObject(raw.Driver)) throw new Error('no Driver object');
  const hostOptions = isObject(raw.HostOptions) ? raw.HostOptions : {};
  return {
    ConfigVersion: 3,
    Name: raw.Name,
    DriverName: raw.DriverName,
    Driver: raw.Driver,
    HostOptions: {
      ...(isObject(hostOptions.EngineOptions) ? { EngineOptions: hostOptions.EngineOptions as DockerMachineEngineOptions } : {}),
      ...(isObject(hostOptions.AuthOptions) ? { AuthOptions: hostOptions.AuthOptions as DockerMachineAuthOptions } : {}),
    },
  };
}

/** A driver field as a string, or undefined when absent or empty (Go writes "" for unset strings). */
export function driverString(host: DockerMachineHost, field: string): string | undefined {
  const value = host.Driver[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function driverNumber(host: DockerMachineHost, field: string): number | undefined {
  const value = host.Driver[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function driverBoolean(host: DockerMachineHost, field: string): boolean {
  return host.Driver[field] === true;
}

export function driverStrings(host: DockerMachineHost, field: string): string[] {
  const value = host.Driver[field];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
