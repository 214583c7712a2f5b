// The files the PXE services hand out by name (TFTP, and the loaders over HTTP): only regular
// files inside the boot folder. A name with `..`, a NUL or a control character is refused, an
// absolute name is taken as relative to the folder (as TFTP clients send it), and a symbolic link
// is followed only while it stays inside the folder. Debian's own /usr/lib/ipxe links ipxe.efi to
// /boot/ipxe.efi, so that one is not served from there: its snponly.efi is used instead.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export type BootFileRefusal = 'not-found' | 'access-violation';

/** The real path of `name` inside `folder`, or why it is not served. */
export function resolveBootFile(folder: string, name: string): { path: string; size: number } | { refused: BootFileRefusal } {
  const relative = name.replaceAll('\\', '/').replace(/^\/+/, '');
  const segments = relative.split('/');
  if (!relative || relative.length > 255 || /[\x00-\x1f\x7f]/.test(relative) || segments.some((segment) => segment === '..' || segment === '.')) return { refused: 'access-violation' };
  let root: string;
  let path: string;
  try {
    root = realpathSync(folder);
    path = realpathSync(join(root, ...segments));
  } catch {
    return { refused: 'not-found' };
  }
  if (!path.startsWith(root + sep)) return { refused: 'access-violation' };
  try {
    const info = statSync(path);
    return info.isFile() ? { path, size: info.size } : { refused: 'not-found' };
  } catch {
    return { refused: 'not-found' };
  }
}

/** True when the folder serves `name`. */
export function servesBootFile(folder: string, name: string): boolean {
  return 'path' in resolveBootFile(folder, name);
}
