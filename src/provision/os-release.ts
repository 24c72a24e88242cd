import { MachineError } from '../core/errors';

/** The facts of /etc/os-release that provisioning uses. */
export interface OsRelease {
  id: string;
  idLike: string[];
  versionId?: string;
  versionCodename?: string;
  /** Set by Ubuntu derivatives (Mint, Pop!_OS...), whose own codename means nothing to Docker's repository. */
  ubuntuCodename?: string;
  /** Set by Debian derivatives such as LMDE, for the same reason. */
  debianCodename?: string;
  prettyName?: string;
}

/** The provisioners that exist. Only the apt family today; the registry is ordered so adding one is one line. */
export type ProvisionerName = 'debian';

/**
 * Parses os-release(5): KEY=value lines, `#` comments, values optionally in single or double quotes,
 * with backslash escapes for `\ " $ \``. Unknown keys are kept out; a missing ID means "linux" as the
 * man page says.
 */
export function parseOsRelease(text: string): OsRelease {
  const fields = parseAssignments(text);
  const id = (fields.get('ID') ?? 'linux').toLowerCase();
  const idLike = (fields.get('ID_LIKE') ?? '')
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
  const release: OsRelease = { id, idLike };
  setIfPresent(release, 'versionId', fields.get('VERSION_ID'));
  setIfPresent(release, 'versionCodename', fields.get('VERSION_CODENAME'));
  setIfPresent(release, 'ubuntuCodename', fields.get('UBUNTU_CODENAME'));
  setIfPresent(release, 'debianCodename', fields.get('DEBIAN_CODENAME'));
  setIfPresent(release, 'prettyName', fields.get('PRETTY_NAME'));
  return release;
}

/** IDs we know are apt-based systemd hosts, checked against ID first and then each ID_LIKE word. */
const PROVISIONERS: ReadonlyArray<{ name: ProvisionerName; ids: readonly string[] }> = [
  { name: 'debian', ids: ['debian', 'ubuntu', 'raspbian'] },
];

/** Picks the provisioner by ID, then by ID_LIKE (derivatives such as Mint or Pop!_OS declare their parents there). */
export function detectProvisioner(os: OsRelease): ProvisionerName {
  for (const candidate of [os.id, ...os.idLike]) {
    const match = PROVISIONERS.find((p) => p.ids.includes(candidate));
    if (match) return match.name;
  }
  throw new MachineError(`unsupported OS: ID=${os.id} ID_LIKE=${os.idLike.join(' ')}`, {
    code: 'UNSUPPORTED_OS',
    suggestions: ['use a Debian or Ubuntu based image (or a derivative that lists debian or ubuntu in ID_LIKE)'],
  });
}

function parseAssignments(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue; // os-release(5) says to ignore lines that are not assignments
    fields.set(match[1], unquote(match[2]));
  }
  return fields;
}

/** Shell-like unquoting limited to what os-release(5) allows. */
function unquote(raw: string): string {
  let result = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else result += ch;
    } else if (ch === '\\' && i + 1 < raw.length && (quote === undefined || '\\"$`'.includes(raw[i + 1]))) {
      result += raw[++i];
    } else if (ch === '"') {
      quote = quote === '"' ? undefined : '"';
    } else if (ch === "'" && quote === undefined) {
      quote = "'";
    } else if (ch === '#' && quote === undefined && /\s$/.test(result)) {
      return result.trimEnd(); // trailing comment after an unquoted value
    } else {
      result += ch;
    }
  }
  return result;
}

function setIfPresent(release: OsRelease, key: 'versionId' | 'versionCodename' | 'ubuntuCodename' | 'debianCodename' | 'prettyName', value: string | undefined): void {
  if (value !== undefined && value !== '') release[key] = value;
}
