/**
 * SHA256SUMS as published beside cloud images: lines of `<hex digest> <space or *><file name>`
 * (`*` marks binary mode in coreutils' format).
 */
export function parseSha256Sums(text: string, fileName: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (match && match[2]?.replace(/^\.\//, '') === fileName) return match[1]?.toLowerCase();
  }
  return undefined;
}

/** The SHA256SUMS file in the same folder as `imageUrl`. */
export function sha256SumsUrl(imageUrl: string): string {
  return new URL('SHA256SUMS', imageUrl).toString();
}
