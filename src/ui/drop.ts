/**
 * Files from a drop: plain files, and whole folders walked through `DataTransferItem.webkitGetAsEntry` (hidden
 * files such as `.DS_Store` left out). Shards are read in name order, so the result is sorted by path.
 */

/** Call synchronously inside the drop handler: the items are gone once it returns. */
export function droppedFiles(data: DataTransfer): Promise<File[]> {
  const items = Array.from(data.items ?? []).filter((item) => item.kind === 'file');
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  // A DataTransfer built by a script has no entries: fall back to its plain files.
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return Promise.resolve(sortByPath(Array.from(data.files).map((file) => ({ path: file.name, file }))));
  }
  return (async () => {
    const found: { path: string; file: File }[] = [];
    for (const entry of entries as FileSystemEntry[]) await walk(entry, found);
    return sortByPath(found);
  })();
}

function sortByPath(found: { path: string; file: File }[]): File[] {
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => f.file);
}

async function walk(entry: FileSystemEntry, found: { path: string; file: File }[]): Promise<void> {
  if (entry.name.startsWith('.')) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    found.push({ path: entry.fullPath, file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries hands out a directory in batches (100 in Chromium) until it returns an empty one.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, found);
    }
  }
}
