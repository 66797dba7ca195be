#!/usr/bin/env python3
"""Checks the Dockerfile's runtime stage without Docker.

The runtime image installs a hand-picked package list (not the build stage's
-dev packages). A shared library or GStreamer plugin missing from it only
shows when the container starts, so this test maps, on the build machine
(also Debian 12), every library the binaries load and every plugin the
engine's pipelines use to its Debian package, and requires each package to be
installed by the runtime stage's `apt-get install` or pulled in by one of them.
"""
import argparse
import re
import subprocess
import sys

# Element factories the engine builds (engine/pipeline_description.cc,
# engine/engine.cc PreloadPlugins, the source chain, FEC, the latency probe,
# RTSP pass-through and http(s) sources).
ELEMENTS = [
    "webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlsdec", "rtpulpfecenc", "rtpredenc",
    "x264enc", "vp8enc", "vp9enc", "rtph264pay", "rtpvp8pay", "rtpvp9pay",
    "videotestsrc", "rtspsrc", "uridecodebin", "decodebin", "v4l2src",
    "videoconvert", "videoscale", "videorate", "capsfilter", "identity", "appsrc", "appsink",
    "rtph264depay", "h264parse", "souphttpsrc",
]
# Checked when this host has them.
OPTIONAL_ELEMENTS = ["x265enc", "rtph265pay", "openh264enc", "rtph265depay", "h265parse"]


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def runtime_packages(dockerfile):
    """Package names in the `apt-get install` of the last FROM stage."""
    text = open(dockerfile, encoding="utf-8").read().replace("\\\n", " ")
    last_stage = text[text.rfind("\nFROM "):]
    packages = set()
    for line in last_stage.splitlines():
        match = re.search(r"apt-get install (.*)", line)
        if not match:
            continue
        command = match.group(1).split("&&")[0]
        packages.update(w for w in command.split() if not w.startswith("-"))
    return packages


def closure(packages):
    """The packages plus everything they depend on (no recommends)."""
    out = run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
               "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] +
              sorted(packages))
    names = set(packages)
    for line in out.splitlines():
        line = line.strip()
        if line.startswith(("Depends:", "PreDepends:")):
            line = line.split(":", 1)[1].strip()
        names.add(line.strip("<>").split(":")[0])
    return names


def owners(paths):
    """{path: Debian package that installed it}, in one dpkg call (dpkg -S is
    slow to start). Debian 12 merged /lib into /usr/lib, but dpkg knows each
    file under the name its package used, so both spellings are asked."""
    real = {path: run(["readlink", "-f", path]).strip() for path in paths}
    spellings = {}
    for path, target in real.items():
        for candidate in (target, target.replace("/usr/lib/", "/lib/", 1)):
            spellings[candidate] = path
    result = subprocess.run(["dpkg", "-S"] + sorted(spellings), capture_output=True, text=True)
    found = {}
    for line in result.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in spellings:
            found[spellings[file]] = package.split(":")[0]
    return found


def library_paths(binary):
    paths = []
    for line in run(["ldd", binary]).splitlines():
        parts = line.split("=>")
        if len(parts) == 2 and parts[1].strip().startswith("/"):
            paths.append(parts[1].split()[0])
    return paths


def plugin_file(element):
    result = subprocess.run(["gst-inspect-1.0", element], capture_output=True, text=True)
    if result.returncode != 0:
        return None
    match = re.search(r"^\s*Filename\s+(\S+)", result.stdout, re.M)
    return match.group(1) if match else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dockerfile", required=True)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()

    installed = runtime_packages(args.dockerfile)
    if not installed:
        print("no apt-get install found in the Dockerfile's last stage")
        return 1
    available = closure(installed)
    needs = {}  # path -> what needs it
    for binary in args.binaries:
        for path in library_paths(binary):
            needs.setdefault(path, path)
    missing = {}
    for element in ELEMENTS + OPTIONAL_ELEMENTS:
        path = plugin_file(element)
        if path is not None:
            needs[path] = f"{element} ({path})"
        elif element in ELEMENTS:
            missing.setdefault("(not on this host)", set()).add(element)
    for path, package in owners(list(needs)).items():
        if package not in available:
            missing.setdefault(package, set()).add(needs[path])
    print(f"runtime stage installs {len(installed)} packages ({len(available)} with dependencies)")
    for package, what in sorted(missing.items()):
        print(f"MISSING {package}: needed for {', '.join(sorted(what))}")
    if not missing:
        print("every library and plugin is provided by the runtime stage")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
