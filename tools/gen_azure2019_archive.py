#!/usr/bin/env python3
"""Builds an Azure Functions 2019 dataset in the published layout from a day file or an
InVitro slice (columns HashOwner,HashApp,HashFunction,Trigger and minute labels): DAYS day
files invocations_per_function_md.anon.dNN.csv (labels 1..1440, the slice's minutes in place,
other minutes 0, each day's counts rotated by a row so days differ), plus a durations file the
reader must skip, written into OUT_DIR and packed as OUT_DIR.tar.xz (as
azurefunctions-dataset2019.tar.xz is). Nothing here is new data: it rearranges the input.

    python3 tools/gen_azure2019_archive.py invocations.csv OUT_DIR [--days 14]
"""
import argparse
import csv
import os
import tarfile

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("source", help="a 2019 day file or an InVitro invocations.csv slice")
ap.add_argument("out", help="directory for the day files; the archive is OUT.tar.xz")
ap.add_argument("--days", type=int, default=14)
args = ap.parse_args()

with open(args.source, newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
minutes = [int(m) for m in header[4:]]
# InVitro slices label minutes from 0 (480 = 08:00); the published files 1..1440.
offset = 0 if min(minutes) == 0 or max(minutes) < 1440 else -1
os.makedirs(args.out, exist_ok=True)
names = []
for day in range(args.days):
    name = f"invocations_per_function_md.anon.d{day + 1:02d}.csv"
    names.append(name)
    with open(os.path.join(args.out, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header[:4] + [str(m) for m in range(1, 1441)])
        for k, row in enumerate(body):
            src = body[(k + day) % len(body)]
            counts = [0] * 1440
            for m, v in zip(minutes, src[4:]):
                counts[m + offset] = int(v)
            w.writerow(row[:4] + counts)
with open(os.path.join(args.out, "function_durations_percentiles.anon.d01.csv"), "w") as f:
    f.write("HashOwner,HashApp,HashFunction,Average,Count\n")
with tarfile.open(args.out.rstrip("/") + ".tar.xz", "w:xz") as t:
    for name in names + ["function_durations_percentiles.anon.d01.csv"]:
        t.add(os.path.join(args.out, name), arcname=name)
print(f"wrote {args.days} day files to {args.out} and {args.out.rstrip('/')}.tar.xz")
