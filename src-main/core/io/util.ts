/** Small helpers shared by the readers (no Node imports: usable from any process). */

/** 'dir/mp-1001.cif' -> 'mp-1001'; 'POSCAR' -> 'POSCAR'; 'a/b/POSCAR.h4o3' -> 'POSCAR.h4o3'. */
export function fileStem(file: string): string {
  const base = baseName(file);
  const lower = base.toLowerCase();
  for (const ext of ['.cif', '.mcif', '.vasp', '.poscar', '.xyz', '.extxyz']) {
    if (lower.endsWith(ext) && base.length > ext.length) return base.slice(0, base.length - ext.length);
  }
  return base;
}

export function baseName(file: string): string {
  let i = file.length - 1;
  while (i >= 0) {
    const c = file.charCodeAt(i);
    if (c === 47 || c === 92) break;
    i--;
  }
  return file.slice(i + 1);
}

/** Split text into lines (LF, CRLF or CR). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Split on runs of spaces / tabs, dropping empty fields. */
export function words(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    while (i < n && (c === 32 || c === 9 || c === 11 || c === 12)) c = line.charCodeAt(++i);
    if (i >= n) break;
    const s = i;
    while (i < n && c !== 32 && c !== 9 && c !== 11 && c !== 12) c = line.charCodeAt(++i);
    out.push(line.slice(s, i));
  }
  return out;
}
