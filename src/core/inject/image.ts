/**
 * Proxy image URLs (§c.11): `<hub>/<name>:<tag>` with the image type (variant) as a tag
 * suffix. A `-distroless`/`-debug` suffix already on the tag is replaced; type `default` means
 * no suffix.
 */
const KNOWN_TYPES = ['distroless', 'debug'];

export function tagWithImageType(tag: string, imageType: string): string {
  if (imageType === '') return tag;
  let t = tag;
  for (const k of KNOWN_TYPES) {
    if (t.endsWith(`-${k}`)) {
      t = t.slice(0, -(k.length + 1));
      break;
    }
  }
  return imageType === 'default' ? t : `${t}-${imageType}`;
}

export function imageUrl(hub: string | undefined, name: string, tag: string | number | undefined, imageType: string): string {
  const tagText = tag === undefined ? '' : String(tag);
  return `${hub ?? ''}/${name}:${tagWithImageType(tagText, imageType)}`;
}
