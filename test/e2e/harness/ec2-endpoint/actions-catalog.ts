import { createHash } from 'node:crypto';
import { INSTANCE_TYPES } from './catalog';
import type { Handler } from './context';
import { matchesFilters, page } from './filters';
import type { Image, KeyPair } from './model';
import { Ec2Error } from './query';
import { type XmlValue, tagSet } from './xml';

function imageXml(image: Image): XmlValue {
  return {
    imageId: image.imageId,
    imageLocation: `${image.ownerId}/${image.name}`,
    imageState: 'available',
    imageOwnerId: image.ownerId,
    creationDate: image.creationDate,
    isPublic: true,
    architecture: image.architecture,
    imageType: 'machine',
    name: image.name,
    rootDeviceType: 'ebs',
    rootDeviceName: image.rootDeviceName,
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    blockDeviceMapping: [{ deviceName: image.rootDeviceName, ebs: { volumeSize: 8, volumeType: 'gp3', deleteOnTermination: true } }],
  };
}

const describeImages: Handler = (params, ctx) => {
  const ids = params.list('ImageId');
  const owners = params.list('Owner');
  for (const id of ids) {
    if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw new Ec2Error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
    if (!ctx.images.some((i) => i.imageId === id)) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  }
  const fields = (image: Image) => (name: string): string[] | undefined =>
    ({ name: [image.name], architecture: [image.architecture], state: ['available'], 'root-device-type': ['ebs'], 'virtualization-type': ['hvm'], 'owner-id': [image.ownerId], 'image-id': [image.imageId] })[name];
  const found = ctx.images.filter((i) => (ids.length === 0 || ids.includes(i.imageId)) && (owners.length === 0 || owners.includes(i.ownerId)) && matchesFilters(params, fields(i), {}));
  const { items, nextToken } = page(found, params, ctx.pageSize);
  return { imagesSet: items.map(imageXml), nextToken };
};

const describeInstanceTypes: Handler = (params) => {
  const wanted = params.list('InstanceType');
  for (const type of wanted) {
    if (!INSTANCE_TYPES[type]) throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${type}]`);
  }
  const types = wanted.length > 0 ? wanted : Object.keys(INSTANCE_TYPES);
  return { instanceTypeSet: types.map((t) => ({ instanceType: t, currentGeneration: true, processorInfo: { supportedArchitectures: INSTANCE_TYPES[t] ?? [] } })) };
};

/** EC2 shows an imported ed25519 key's fingerprint as base64 SHA-256 of the key blob. */
function fingerprintOf(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob || !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) /.test(publicKey.trim())) throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
  return createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
}

function keyPairXml(k: KeyPair): XmlValue {
  return { keyPairId: k.keyPairId, keyName: k.keyName, keyFingerprint: k.fingerprint, keyType: k.publicKey.startsWith('ssh-ed25519') ? 'ed25519' : 'rsa', tagSet: tagSet(k.tags) };
}

const importKeyPair: Handler = (params, ctx) => {
  const keyName = params.required('KeyName');
  if (ctx.keyPairs.has(keyName)) throw new Ec2Error('InvalidKeyPair.Duplicate', `The keypair already exists`);
  const publicKey = Buffer.from(params.required('PublicKeyMaterial'), 'base64').toString('utf8');
  const keyPair: KeyPair = { keyName, keyPairId: ctx.id('key'), publicKey, fingerprint: fingerprintOf(publicKey), tags: params.tagSpecifications().get('key-pair') ?? {} };
  ctx.keyPairs.set(keyName, keyPair);
  return { keyFingerprint: keyPair.fingerprint, keyName, keyPairId: keyPair.keyPairId, tagSet: tagSet(keyPair.tags) };
};

const describeKeyPairs: Handler = (params, ctx) => {
  const names = params.list('KeyName');
  for (const name of names) if (!ctx.keyPairs.has(name)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
  const fields = (k: KeyPair) => (name: string) => ({ 'key-name': [k.keyName], 'key-pair-id': [k.keyPairId] })[name];
  const found = [...ctx.keyPairs.values()].filter((k) => (names.length === 0 || names.includes(k.keyName)) && matchesFilters(params, fields(k), k.tags));
  return { keySet: found.map(keyPairXml) };
};

/** EC2 answers success for a key pair that does not exist. */
const deleteKeyPair: Handler = (params, ctx) => {
  ctx.keyPairs.delete(params.required('KeyName'));
  return { return: true };
};

export const catalogActions: Record<string, Handler> = {
  DescribeImages: describeImages,
  DescribeInstanceTypes: describeInstanceTypes,
  ImportKeyPair: importKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
};
