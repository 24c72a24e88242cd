import { randomBytes } from 'node:crypto';

/** Clocks on new VMs are often a little behind ours; a certificate from "the future" would be refused. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** About three years, as docker-machine did: long enough not to bother anyone, short enough to roll over. */
const LIFETIME_MS = 3 * 365 * 24 * 60 * 60 * 1000;

/**
 * A random 128-bit serial (RFC 5280 asks for at most 20 octets, positive). The top bit is cleared so the
 * DER integer stays positive without a sign byte; a zero serial is not allowed, so one bit is forced low.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[15] |= 0x01;
  return bytes.toString('hex');
}

/** Validity from a little before now for about three years, never beyond `notAfterLimit` (the CA's own end). */
export function validityWindow(now: Date = new Date(), notAfterLimit?: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const natural = new Date(now.getTime() + LIFETIME_MS);
  const notAfter = notAfterLimit && notAfterLimit < natural ? notAfterLimit : natural;
  return { notBefore, notAfter };
}
