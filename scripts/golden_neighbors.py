#!/usr/bin/python3
"""Golden CGCNN neighbour lists computed with pymatgen (independent reference for src-main/core/graph).

Run from the repository root with Debian's interpreter (python3-pymatgen belongs to /usr/bin/python3):

    apt-get install -y python3-pymatgen        # pymatgen 2022.11.7 on Debian 12
    /usr/bin/python3 scripts/golden_neighbors.py

Writes
    test/golden/neighbors/mp-golden.json.gz        crystals from ../shared/datasets/mp-cgcnn-25k
    test/golden/neighbors/fixtures-golden.json.gz  hand-made structures from test/fixtures/graph/*.json
    test/golden/neighbors/mp-small-golden.json.gz  the committed Materials Project CIFs in test/fixtures/mp-small

The shared folder is ../shared or $MTCGCNN_SHARED; without it, mp-golden.json.gz is left as it is.

What is computed is exactly what CGCNN's CIFData does (cgcnn/data.py):
    all_nbrs = structure.get_all_neighbors(radius, include_index=True)
    all_nbrs = [sorted(nbrs, key=lambda x: x[1]) for nbrs in all_nbrs]
    keep the first 12; pad missing slots with index 0 and distance radius + 1.

Record layout (one per crystal and radius), all atom indices 0-based in the ORDER OF THE INPUT FILE
(pymatgen's CifParser re-sorts sites by electronegativity; we map its indices back to the CIF row order so the
TypeScript side, which keeps file order, can be compared directly):
    id        crystal id (file stem / fixture name)
    tags      why the crystal was picked: stride, small-cell, skewed, large, ties, fixture
    radius    cut-off (Angstrom); maxNbr slots per atom (12)
    n         number of atoms; z: atomic numbers (file order)
    reordered true when pymatgen's site order differs from the file's
    count     number of neighbours within the radius per atom (all images, self pair excluded)
    idx       n*maxNbr neighbour indices, row-major (padding slots: index of pymatgen's first site, see below)
    d         n*maxNbr distances, rounded to 1e-6 A (padding slots: radius + 1)
    ext       {atom: [indices]} neighbours beyond the cut whose distance chains to the last kept slot within
              TIE_TOL (a tie group straddling the cut); only atoms that have one
    padIndex  the file-order index CGCNN uses for padding (pymatgen's site 0)
    full      (fixtures only) every neighbour per atom as [j, ia, ib, ic, d] sorted by (d, j, image)

The script is deterministic: crystals are chosen by sorted id with a fixed stride plus scans over cell shape.
"""
import glob
import gzip
import json
import math
import os
import sys
import warnings

import numpy as np
from pymatgen.core import Lattice, Structure

warnings.filterwarnings("ignore")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.environ.get("MTCGCNN_SHARED") or os.path.join(REPO, "..", "shared"))
MP_DIR = os.path.join(SHARED, "datasets", "mp-cgcnn-25k")
FIXTURE_DIR = os.path.join(REPO, "test", "fixtures", "graph")
MP_SMALL_DIR = os.path.join(REPO, "test", "fixtures", "mp-small")
OUT_DIR = os.path.join(REPO, "test", "golden", "neighbors")

RADIUS = 8.0
MAX_NBR = 12
TIE_TOL = 1e-4  # Angstrom; distances closer than this are treated as a tie (matches the vitest comparison)
STRIDE = 90  # every 90th id in sorted order -> ~286 crystals
N_SMALL = 20
N_SKEWED = 20
N_LARGE = 8
N_TIES = 40


def read_cif_rows(path):
    """Cell parameters and atom rows of a pymatgen-written P1 CIF (only what this script needs)."""
    cell = {}
    rows = []
    with open(path) as fh:
        lines = fh.read().splitlines()
    in_atoms = False
    for line in lines:
        s = line.strip()
        if s.startswith("_cell_length_") or s.startswith("_cell_angle_"):
            k, v = s.split()[:2]
            cell[k] = float(v)
        elif s.startswith("_atom_site_type_symbol"):
            in_atoms = True
        elif in_atoms and s and not s.startswith("_") and not s.startswith("loop_"):
            p = s.split()
            rows.append((p[0], float(p[3]), float(p[4]), float(p[5])))
    abc = [cell["_cell_length_a"], cell["_cell_length_b"], cell["_cell_length_c"]]
    ang = [cell["_cell_angle_alpha"], cell["_cell_angle_beta"], cell["_cell_angle_gamma"]]
    return abc, ang, rows


def widths(matrix):
    a, b, c = np.asarray(matrix)
    v = abs(np.dot(a, np.cross(b, c)))
    return [v / np.linalg.norm(np.cross(b, c)), v / np.linalg.norm(np.cross(c, a)), v / np.linalg.norm(np.cross(a, b))]


def file_order_permutation(structure, rows):
    """perm[k] = CIF row index of pymatgen site k (match by species and periodic fractional distance)."""
    fr = np.array([[r[1], r[2], r[3]] for r in rows])
    sym = [r[0] for r in rows]
    used = [False] * len(rows)
    perm = []
    for site in structure:
        best, best_d = -1, 1e9
        for i, f in enumerate(fr):
            if used[i] or sym[i] != site.specie.symbol:
                continue
            dd = site.frac_coords - f
            dd -= np.round(dd)
            dist = float(np.abs(dd).max())
            if dist < best_d:
                best, best_d = i, dist
        if best < 0 or best_d > 1e-3:
            raise ValueError("cannot match pymatgen site to a CIF row")
        used[best] = True
        perm.append(best)
    return perm


def neighbour_record(structure, radius, perm, with_full=False):
    n = len(structure)
    all_nbrs = structure.get_all_neighbors(radius, include_index=True)
    # CGCNN: stable sort on distance, in pymatgen's order
    all_nbrs = [sorted(nbrs, key=lambda x: x[1]) for nbrs in all_nbrs]
    idx = [0] * (n * MAX_NBR)
    dist = [0.0] * (n * MAX_NBR)
    count = [0] * n
    ext = {}
    full = [None] * n if with_full else None
    pad_index = perm[0]
    for k_pm, nbrs in enumerate(all_nbrs):
        a = perm[k_pm]
        count[a] = len(nbrs)
        for s in range(MAX_NBR):
            if s < len(nbrs):
                idx[a * MAX_NBR + s] = perm[nbrs[s][2]]
                dist[a * MAX_NBR + s] = round(float(nbrs[s][1]), 6)
            else:
                idx[a * MAX_NBR + s] = pad_index
                dist[a * MAX_NBR + s] = radius + 1.0
        if len(nbrs) > MAX_NBR:
            e = []
            prev = nbrs[MAX_NBR - 1][1]
            for nb in nbrs[MAX_NBR:]:
                if nb[1] - prev > TIE_TOL:
                    break
                e.append(perm[nb[2]])
                prev = nb[1]
            if e:
                ext[str(a)] = e
        if with_full:
            items = []
            for nb in nbrs:
                img = [int(round(x)) for x in nb.image]
                items.append([perm[nb.index], img[0], img[1], img[2], round(float(nb.nn_distance), 6)])
            items.sort(key=lambda t: (t[4], t[0], t[1], t[2], t[3]))
            full[a] = items
    rec = {
        "radius": radius,
        "maxNbr": MAX_NBR,
        "n": n,
        "count": count,
        "idx": idx,
        "d": dist,
        "padIndex": pad_index,
    }
    if ext:
        rec["ext"] = ext
    if with_full:
        rec["full"] = full
    return rec


def has_cut_tie(rec):
    """A tie group straddles the cut and the choice inside it matters (the group holds different indices)."""
    for a, e in rec.get("ext", {}).items():
        a = int(a)
        row_i = rec["idx"][a * MAX_NBR:(a + 1) * MAX_NBR]
        row_d = rec["d"][a * MAX_NBR:(a + 1) * MAX_NBR]
        s = MAX_NBR - 1
        while s > 0 and row_d[s] - row_d[s - 1] <= TIE_TOL:
            s -= 1
        group = row_i[s:] + e
        if len(set(group)) > 1:
            return True
    return False


def multi_image(rec, z_unused=None):
    """Some atom has the same neighbour index twice in its kept slots, or itself (its own image)."""
    n = rec["n"]
    for a in range(n):
        row = rec["idx"][a * MAX_NBR:(a + 1) * MAX_NBR]
        real = [row[s] for s in range(MAX_NBR) if rec["d"][a * MAX_NBR + s] < rec["radius"] + 0.5]
        if a in real or len(set(real)) < len(real):
            return True
    return False


def mp_record(cid, tags, folder=MP_DIR):
    path = os.path.join(folder, cid + ".cif")
    abc, ang, rows = read_cif_rows(path)
    structure = Structure.from_file(path)  # what CGCNN calls (primitive=False, sort=False)
    if len(structure) != len(rows):
        raise ValueError(f"{cid}: pymatgen has {len(structure)} sites, CIF has {len(rows)}")
    perm = file_order_permutation(structure, rows)
    rec = {"id": cid, "tags": sorted(tags)}
    rec["z"] = [0] * len(rows)
    for k, site in enumerate(structure):
        rec["z"][perm[k]] = site.specie.Z
    rec["reordered"] = perm != list(range(len(rows)))
    rec.update(neighbour_record(structure, RADIUS, perm))
    return rec


def pick_mp():
    files = sorted(glob.glob(os.path.join(MP_DIR, "*.cif")))
    ids = [os.path.basename(f)[:-4] for f in files]
    picks = {}

    def add(cid, tag):
        picks.setdefault(cid, set()).add(tag)

    for cid in ids[::STRIDE]:
        add(cid, "stride")
    shape = []
    for cid, f in zip(ids, files):
        abc, ang, rows = read_cif_rows(f)
        m = Lattice.from_parameters(*abc, *ang).matrix
        w = widths(m)
        shape.append((cid, min(w), min(w) / min(abc), len(rows), abc, ang))
    for rec in sorted(shape, key=lambda t: (t[1], t[0]))[:N_SMALL]:
        add(rec[0], "small-cell")
    for rec in sorted(shape, key=lambda t: (t[2], t[0]))[:N_SKEWED]:
        add(rec[0], "skewed")
    for rec in sorted(shape, key=lambda t: (-t[3], t[0]))[:N_LARGE]:
        add(rec[0], "large")

    # tie candidates: high-symmetry cells (cubic, fcc/bcc primitive settings, hexagonal) with few atoms
    def symmetric(t):
        abc, ang = t[4], t[5]
        eq = abs(abc[0] - abc[1]) < 1e-6 and abs(abc[1] - abc[2]) < 1e-6
        hexa = abs(abc[0] - abc[1]) < 1e-6 and abs(ang[2] - 120) < 1e-4
        return (eq or hexa) and t[3] <= 8

    cands = [t[0] for t in shape if symmetric(t)]
    cands = cands[:: max(1, len(cands) // 250)]
    return picks, cands


def load_fixtures():
    out = []
    for f in sorted(glob.glob(os.path.join(FIXTURE_DIR, "*.json"))):
        with open(f) as fh:
            fx = json.load(fh)
        out.append((os.path.basename(f)[:-5], fx))
    return out


def write_gzip_json(path, obj):
    """Byte-for-byte reproducible gzip (no timestamp or file name in the header)."""
    data = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(data)


def tag_record(r):
    if has_cut_tie(r) and "ties" not in r["tags"]:
        r["tags"] = sorted(set(r["tags"]) | {"ties"})
    if multi_image(r):
        r["tags"] = sorted(set(r["tags"]) | {"multi-image"})


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {
        "generator": "scripts/golden_neighbors.py",
        "pymatgen": __import__("pymatgen.core").core.__version__,
        "radius": RADIUS,
        "maxNbr": MAX_NBR,
        "tieTol": TIE_TOL,
    }
    small = []
    for f in sorted(glob.glob(os.path.join(MP_SMALL_DIR, "*.cif"))):
        rec = mp_record(os.path.basename(f)[:-4], {"mp-small"}, MP_SMALL_DIR)
        tag_record(rec)
        small.append(rec)
    write_gzip_json(os.path.join(OUT_DIR, "mp-small-golden.json.gz"), {"meta": meta, "crystals": small})
    print(f"mp-small: {len(small)} crystals")
    if not os.path.isdir(MP_DIR):
        print(f"{MP_DIR} not found: mp-golden.json.gz and fixtures-golden.json.gz left as they are")
        return 0
    picks, tie_cands = pick_mp()
    records = []
    for cid in sorted(picks):
        records.append(mp_record(cid, picks[cid]))
    n_ties = 0
    for cid in tie_cands:
        if n_ties >= N_TIES:
            break
        rec = mp_record(cid, picks.get(cid, set()) | {"ties"})
        if not has_cut_tie(rec):
            continue
        n_ties += 1
        if cid in picks:
            records = [r if r["id"] != cid else rec for r in records]
        else:
            records.append(rec)
    records.sort(key=lambda r: r["id"])
    for r in records:
        tag_record(r)
    write_gzip_json(os.path.join(OUT_DIR, "mp-golden.json.gz"), {"meta": meta, "crystals": records})

    fx_records = []
    for name, fx in load_fixtures():
        lattice = Lattice(fx["lattice"])
        structure = Structure(lattice, fx["species"], fx["frac"])  # keeps the given order
        perm = list(range(len(structure)))
        for radius in fx.get("radii", [RADIUS]):
            rec = {"id": name, "tags": ["fixture"], "z": [s.specie.Z for s in structure], "reordered": False}
            rec.update(neighbour_record(structure, float(radius), perm, with_full=fx.get("full", False)))
            if has_cut_tie(rec):
                rec["tags"].append("ties")
            if multi_image(rec):
                rec["tags"].append("multi-image")
            if any(c < MAX_NBR for c in rec["count"]):
                rec["tags"].append("padding")
            fx_records.append(rec)
    write_gzip_json(os.path.join(OUT_DIR, "fixtures-golden.json.gz"), {"meta": meta, "crystals": fx_records})

    def summary(recs):
        tags = {}
        for r in recs:
            for t in r["tags"]:
                tags[t] = tags.get(t, 0) + 1
        return tags

    print(f"mp: {len(records)} crystals, tags {summary(records)}, reordered {sum(r['reordered'] for r in records)}")
    print(f"fixtures: {len(fx_records)} records, tags {summary(fx_records)}")
    for f in ("mp-golden.json.gz", "fixtures-golden.json.gz", "mp-small-golden.json.gz"):
        print(f, os.path.getsize(os.path.join(OUT_DIR, f)), "bytes")


if __name__ == "__main__":
    sys.exit(main())
