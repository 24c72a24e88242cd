import * as path from 'node:path';
import { UsageError } from '../../src/core/errors';
import { defaultImageUrl, isUrl } from '../../src/images/image-source';
import { boolFlag, intFlag, stringFlag } from '../../src/util/flag-values';

/** What the Hyper-V driver persists. Local paths are absolute: later commands run from any folder. */
export interface HypervConfig {
  /** An http(s) URL or an absolute path: qcow2 or raw (converted to VHD here), VHD or VHDX. */
  image: string;
  imageSha256?: string;
  /** The switch asked for; absent means "Default Switch", else the first External switch. */
  virtualSwitch?: string;
  memoryMb: number;
  cpuCount: number;
  diskSizeMb: number;
  /** Twelve upper-case hex digits, as Hyper-V writes a MAC address. */
  staticMacAddress?: string;
  vlanId?: number;
  dynamicMemory: boolean;
  secureBoot: boolean;
  /** The PowerShell to run the scripts with; absent means powershell.exe (a hidden flag, for the emulator). */
  powershell?: string;
}

/** The template that trusts Microsoft's third-party UEFI CA, which signs the shim Linux distributions boot. */
export const SECURE_BOOT_TEMPLATE = 'MicrosoftUEFICertificateAuthority';
/** The login user cloud-init makes (not "docker": the engine's packages create a group of that name). */
export const SSH_USER = 'machine';
export const IMAGE_FLAGS = { image: '--hyperv-image', sha256: '--hyperv-image-sha256' };

export function hypervConfigFromFlags(flags: Record<string, unknown>, cwd: string = process.cwd()): HypervConfig {
  const rawImage = stringFlag(flags, 'hyperv-image');
  if (rawImage !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(rawImage) && !isUrl(rawImage)) {
    throw new UsageError(`--hyperv-image must be an http(s) URL or a local path, not ${rawImage}`);
  }
  const image = rawImage === undefined ? defaultImageUrl() : isUrl(rawImage) ? rawImage : path.resolve(cwd, rawImage);
  const imageSha256 = stringFlag(flags, 'hyperv-image-sha256')?.toLowerCase();
  if (imageSha256 !== undefined && !/^[0-9a-f]{64}$/.test(imageSha256)) {
    throw new UsageError('--hyperv-image-sha256 must be 64 hexadecimal digits (a SHA-256 digest)');
  }
  const virtualSwitch = stringFlag(flags, 'hyperv-virtual-switch');
  const staticMacAddress = macFlag(stringFlag(flags, 'hyperv-static-macaddress'));
  const vlanId = flags['hyperv-vlan-id'] === undefined ? undefined : intFlag(flags, 'hyperv-vlan-id', 0, 1, 4094);
  const powershell = stringFlag(flags, 'hyperv-powershell');
  const memoryMb = intFlag(flags, 'hyperv-memory', 2048, 256, 12 * 1024 * 1024);
  // Hyper-V refuses a startup memory that is not a multiple of 2 MB; say so before anything is made.
  if (memoryMb % 2 !== 0) throw new UsageError(`--hyperv-memory must be a multiple of 2 MB (Hyper-V's rule), not ${memoryMb}`);
  return {
    image,
    ...(imageSha256 ? { imageSha256 } : {}),
    ...(virtualSwitch ? { virtualSwitch } : {}),
    memoryMb,
    cpuCount: intFlag(flags, 'hyperv-cpu-count', 2, 1, 240),
    diskSizeMb: intFlag(flags, 'hyperv-disk-size', 20000, 1024, 64 * 1024 * 1024),
    ...(staticMacAddress ? { staticMacAddress } : {}),
    ...(vlanId !== undefined ? { vlanId } : {}),
    dynamicMemory: !boolFlag(flags, 'hyperv-disable-dynamic-memory'),
    secureBoot: flags['hyperv-secure-boot'] !== false,
    ...(powershell ? { powershell: isBareCommand(powershell) ? powershell : path.resolve(cwd, powershell) } : {}),
  };
}

const isBareCommand = (value: string): boolean => !value.includes('/') && !value.includes('\\');

/** 00:15:5D:0A:0B:0C, 00-15-5d-0a-0b-0c or 00155D0A0B0C, as one unicast address in Hyper-V's form. */
function macFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hex = value.replace(/[:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(hex) || !/^([0-9A-F]{2}[:-]?){5}[0-9A-F]{2}$/i.test(value)) {
    throw new UsageError(`--hyperv-static-macaddress must be a MAC address such as 00:15:5D:0A:0B:0C, not "${value}"`);
  }
  if (parseInt(hex.slice(0, 2), 16) & 1) throw new UsageError(`--hyperv-static-macaddress ${value} is a multicast address; a network adapter needs a unicast one`);
  return hex;
}
