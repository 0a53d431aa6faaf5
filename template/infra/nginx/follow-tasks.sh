#!/bin/sh
# The gateway's entry point under Docker Swarm (docker-stack.yml). nginx resolves the upstream
# names of upstreams.conf once, when it loads its configuration, and Swarm's tasks come and go
# with their addresses. So this starts nginx once every name resolves (a name without a task
# would stop nginx from starting), then resolves the names every 2 seconds through Docker's DNS
# and reloads nginx when the tasks behind a name have changed. A reload keeps the connections
# that are open; nginx then retries over every task, as on one host.
set -eu

UPSTREAMS=/etc/nginx/upstreams.conf
names=$(sed -n 's/^[[:space:]]*server[[:space:]]\{1,\}\([a-z0-9-]*\):[0-9]*.*/\1/p' "$UPSTREAMS" | sort -u)

# One line per name: its task addresses, sorted; an empty line for a name without a task.
tasks() {
  for name in $names; do
    getent ahostsv4 "$name" | awk '{ print $1 }' | sort -u | tr '\n' ' '
    echo
  done
}

# Whether every name has at least one task.
resolved() {
  ! printf '%s\n' "$1" | grep -qx ''
}

known=$(tasks)
until resolved "$known"; do
  echo "follow-tasks: waiting for a task behind every upstream name" >&2
  sleep 2
  known=$(tasks)
done

nginx -g 'daemon off;' &
nginx=$!
# Swarm stops a task with TERM: nginx's graceful stop is QUIT (finish the requests in flight).
trap 'kill -QUIT "$nginx" 2>/dev/null' TERM QUIT INT

while kill -0 "$nginx" 2>/dev/null; do
  sleep 2 &
  wait $! || true
  current=$(tasks)
  # A name whose tasks are all being replaced keeps its old addresses until it resolves again.
  if [ "$current" != "$known" ] && resolved "$current"; then
    echo "follow-tasks: upstream tasks changed, reloading nginx" >&2
    kill -HUP "$nginx"
    known=$current
  fi
done
wait "$nginx"
