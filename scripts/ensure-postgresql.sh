#!/bin/sh
# The JDBC integration tests start a throwaway PostgreSQL server; install Debian's when
# no initdb is found (on PATH or under /usr/lib/postgresql/<version>/bin).
set -e
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL is missing: run 'apt-get install -y postgresql' as root" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
