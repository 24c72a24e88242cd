/** What the control plane offers: locations, VM sizes and marketplace images, small but realistic. */

export const LOCATIONS: Record<string, string> = { westus2: 'West US 2', eastus: 'East US', westeurope: 'West Europe' };

export interface SizeOffer {
  name: string;
  family: string;
  architecture: 'x64' | 'Arm64';
  generations: string[];
  acceleratedNetworking: boolean;
  zones: string[];
  /** Why this subscription may not have it, when it may not. */
  restriction?: string;
}

export const SIZES: SizeOffer[] = [
  { name: 'Standard_B1ls', family: 'standardBSFamily', architecture: 'x64', generations: ['V1', 'V2'], acceleratedNetworking: false, zones: ['1', '2', '3'] },
  { name: 'Standard_B2s', family: 'standardBSFamily', architecture: 'x64', generations: ['V1', 'V2'], acceleratedNetworking: false, zones: ['1', '2', '3'] },
  { name: 'Standard_D2s_v5', family: 'standardDSv5Family', architecture: 'x64', generations: ['V1', 'V2'], acceleratedNetworking: true, zones: ['1', '2', '3'] },
  { name: 'Standard_D2ps_v5', family: 'standardDPSv5Family', architecture: 'Arm64', generations: ['V2'], acceleratedNetworking: true, zones: ['1', '2'] },
  { name: 'Standard_NC6s_v3', family: 'standardNCSv3Family', architecture: 'x64', generations: ['V1', 'V2'], acceleratedNetworking: false, zones: [], restriction: 'NotAvailableForSubscription' },
];

export interface ImageOffer {
  publisher: string;
  offer: string;
  sku: string;
  versions: string[];
  architecture: 'x64' | 'Arm64';
  generation: 'V1' | 'V2';
  plan?: { publisher: string; product: string; name: string };
}

export const IMAGES: ImageOffer[] = [
  { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', versions: ['22.04.202501080', '22.04.202502110'], architecture: 'x64', generation: 'V2' },
  { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', versions: ['24.04.202409120', '24.04.202502210', '24.04.202411030'], architecture: 'x64', generation: 'V2' },
  { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server-gen1', versions: ['24.04.202502210'], architecture: 'x64', generation: 'V1' },
  { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server-arm64', versions: ['24.04.202502210'], architecture: 'Arm64', generation: 'V2' },
  { publisher: 'Canonical', offer: 'ubuntu-25_04', sku: 'server', versions: ['25.04.202504170'], architecture: 'x64', generation: 'V2' },
  { publisher: 'bitnami', offer: 'nginxstack', sku: '1-25', versions: ['1.25.3'], architecture: 'x64', generation: 'V2', plan: { publisher: 'bitnami', product: 'nginxstack', name: '1-25' } },
];

/** Resource Manager api-versions the control plane speaks, per provider: those of the SDK packages in use, and earlier ones. */
export const API_VERSIONS: Record<string, string[]> = {
  'microsoft.resources': ['2025-04-01', '2024-11-01', '2024-07-01', '2021-04-01'],
  'microsoft.compute': ['2025-04-01', '2024-11-01', '2024-07-01', '2024-03-01'],
  'microsoft.compute/disks': ['2025-01-02', '2024-03-02', '2023-10-02'],
  'microsoft.compute/skus': ['2021-07-01', '2019-04-01'],
  'microsoft.network': ['2025-05-01', '2024-07-01', '2024-05-01', '2024-03-01'],
};
