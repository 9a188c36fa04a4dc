#!/bin/sh
# Regenerate the build system: configure, Makefile.in, the gettext and test drivers.
set -e
cd "$(dirname "$0")"
autoreconf --force --install --verbose
