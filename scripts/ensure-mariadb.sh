#!/bin/sh
# The MySQL-compatible JDBC tests start a throwaway MariaDB server of their own on a free
# port; install Debian's when no mariadbd is found. The tests never use the packaged
# server, so one the package starts (where services may start) is stopped and disabled
# rather than left holding port 3306.
set -e
if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "MariaDB is missing: run 'apt-get install -y mariadb-server' as root" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
if [ -d /run/systemd/system ]; then
  systemctl disable --now mariadb >/dev/null 2>&1 || true
elif [ -x /etc/init.d/mariadb ]; then
  /etc/init.d/mariadb stop >/dev/null 2>&1 || true
  command -v update-rc.d >/dev/null 2>&1 && update-rc.d mariadb disable >/dev/null 2>&1 || true
fi
