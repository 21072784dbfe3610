import { lstat, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Bytes of the regular files under a directory (links and the directories themselves count nothing). */
export async function treeBytes(path: string): Promise<number> {
  const info = await lstat(path);
  if (info.isFile()) return info.size;
  if (!info.isDirectory()) return 0;
  let total = 0;
  for (const name of await readdir(path)) total += await treeBytes(join(path, name));
  return total;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
