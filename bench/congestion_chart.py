#!/usr/bin/env python3
"""Draws one bottleneck run (BottleneckLab::WriteSeries CSV: series,seconds,kbps)
as an SVG line chart: the link rate (a step), the agent's delay-based estimate
and target, what it sent and what the viewer received. Standard library only
(Debian has no matplotlib in the build's packages, and a chart of five lines
does not need one).

  bench/congestion_chart.py RUN.csv OUT.svg "title"
"""
import csv
import sys
from collections import defaultdict

# Drawing order and style: the link first, under everything.
SERIES = [
    ("link", "#888888", "6,4", "link (tbf rate)"),
    ("estimate", "#1f77b4", "", "delay-based estimate"),
    ("target", "#d62728", "", "target (encoder bitrate)"),
    ("sent", "#ff7f0e", "2,2", "sent (agent)"),
    ("received", "#2ca02c", "", "received payload (viewer)"),
]
W, H = 900, 420
LEFT, RIGHT, TOP, BOTTOM = 60, 200, 40, 40


def read(path):
    data = defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            data[row["series"]].append((float(row["seconds"]), float(row["kbps"])))
    for points in data.values():
        points.sort()
    return data


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    data = read(sys.argv[1])
    end = max(t for points in data.values() for t, _ in points)
    # The link is a step that holds until the run ends; the rate in force at
    # the viewer's start (the lab may have set several before) starts it.
    before = [p for p in data["link"] if p[0] <= 0]
    data["link"] = ([(0.0, before[-1][1])] if before else []) + [p for p in data["link"] if p[0] > 0]
    if data["link"]:
        steps = []
        for i, (t, kbps) in enumerate(data["link"]):
            if i:
                steps.append((t, data["link"][i - 1][1]))
            steps.append((max(t, 0.0), kbps))
        steps.append((end, data["link"][-1][1]))
        data["link"] = [(max(t, 0.0), v) for t, v in steps]
    top = max(v for points in data.values() for _, v in points) * 1.05
    top = ((int(top) // 500) + 1) * 500

    def x(t):
        return LEFT + (W - LEFT - RIGHT) * max(t, 0.0) / end

    def y(v):
        return TOP + (H - TOP - BOTTOM) * (1 - min(v, top) / top)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="20" font-size="14">{sys.argv[3]}</text>']
    for kbps in range(0, top + 1, 500):
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(kbps):.1f}" y2="{y(kbps):.1f}" '
                   f'stroke="#eeeeee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(kbps) + 4:.1f}" text-anchor="end">{kbps}</text>')
    for s in range(0, int(end) + 1, 5):
        out.append(f'<text x="{x(s):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{s}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 6}" text-anchor="middle">'
               f'seconds since the viewer started</text>')
    out.append(f'<text x="14" y="{TOP - 10}">kbps</text>')
    for i, (name, colour, dash, label) in enumerate(SERIES):
        points = [(t, v) for t, v in data.get(name, []) if t >= 0]
        if not points:
            continue
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash_attr} '
                   f'points="{path}"/>')
        ly = TOP + 20 * i
        out.append(f'<line x1="{W - RIGHT + 12}" x2="{W - RIGHT + 36}" y1="{ly}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="2"{dash_attr}/>')
        out.append(f'<text x="{W - RIGHT + 42}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
