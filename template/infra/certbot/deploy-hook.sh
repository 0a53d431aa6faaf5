#!/usr/bin/env sh
# certbot's deploy hook: runs after each issuance or renewal with RENEWED_LINEAGE set. It installs
# the new pair where nginx reads it, checks the configuration with it, then reloads nginx (workers
# finish their requests; no connection drops). If the check fails, the previous pair goes back
# and the hook fails, so certbot reports it and nginx keeps serving.
#
# Environment: TLS_DIR (default ./tls beside the Compose files); GATEWAY_GID, the group the
# gateway's nginx runs as (default 101); NGINX, the command that runs nginx (default: nginx inside
# the gateway container of the production stack).
set -eu

project_dir=$(cd "$(dirname "$0")/../.." && pwd)
tls_dir=${TLS_DIR:-$project_dir/tls}
gateway_gid=${GATEWAY_GID:-101}
nginx=${NGINX:-docker compose -f $project_dir/docker-compose.prod.yml exec -T gateway nginx}
: "${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE for its deploy hooks}"

mkdir -p "$tls_dir"
umask 077
for name in fullchain.pem privkey.pem; do
  if [ -e "$tls_dir/$name" ]; then cp -p "$tls_dir/$name" "$tls_dir/$name.previous"; fi
  # Copied, not linked: the container sees only this folder, not certbot's archive.
  cp "$RENEWED_LINEAGE/$name" "$tls_dir/$name.new"
  if [ "$name" = privkey.pem ]; then
    # The gateway's nginx runs as 101:101 (nginx-unprivileged) and must read the key; nobody
    # else may. Set before the move: if it fails, the pair in use stays as it was.
    chgrp "$gateway_gid" "$tls_dir/$name.new"
    chmod 640 "$tls_dir/$name.new"
  else
    chmod 644 "$tls_dir/$name.new"
  fi
  mv -f "$tls_dir/$name.new" "$tls_dir/$name"
done

# $nginx is a command line on purpose: split into words.
# shellcheck disable=SC2086
if ! $nginx -t; then
  for name in fullchain.pem privkey.pem; do
    if [ -e "$tls_dir/$name.previous" ]; then mv -f "$tls_dir/$name.previous" "$tls_dir/$name"; fi
  done
  echo "deploy-hook: nginx -t failed with the new certificate; the previous one is back." >&2
  exit 1
fi
# shellcheck disable=SC2086
$nginx -s reload
rm -f "$tls_dir/fullchain.pem.previous" "$tls_dir/privkey.pem.previous"
echo "deploy-hook: installed the certificate of $RENEWED_LINEAGE and reloaded nginx."
