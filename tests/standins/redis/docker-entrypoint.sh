#!/bin/sh
# The stand-in's entrypoint (tests only), written to the documented contract of the official redis
# image: a first argument that is a flag or a .conf file means redis-server; as root, redis-server
# first gets everything under /data that is not the redis user's yet (walked with find, as the
# official one does), then runs as `redis` under umask 0077.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
# The official image builds Redis with protected mode off by default (clients come from other
# containers); Debian's keeps it on. Without a configuration file, say so on the command line.
if [ "$1" = redis-server ] && [ "${2%.conf}" = "${2:-}" ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$(umask)" = 0022 ]; then umask 0077; fi
exec "$@"
