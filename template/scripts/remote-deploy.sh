#!/usr/bin/env bash
# Runs scripts/deploy.sh on the server, over SSH: what the deploy workflow calls, and what an
# operator can run from their own machine.
#
#   scripts/remote-deploy.sh <release> [commit]     deploy a release
#   scripts/remote-deploy.sh --rollback [release]   roll back (one release, or to <release>)
#
# The server, from the environment: DEPLOY_HOST, DEPLOY_USER, DEPLOY_PATH (the project folder
# there) and DEPLOY_PORT (default 22). The key and the server's host key come from ~/.ssh, or as
# text in DEPLOY_SSH_KEY and DEPLOY_KNOWN_HOSTS (the workflow's secrets), written to a private
# folder that is removed afterwards. The host key is always checked: an unknown server is refused.
# DEPLOY_RUN_URL (for the notifications) and DEPLOY_DIGESTS (the images to pull, by digest) go
# along when set. The exit status is deploy.sh's (255: SSH itself failed).
set -euo pipefail

for name in DEPLOY_HOST DEPLOY_USER DEPLOY_PATH; do
  if [[ -z ${!name:-} ]]; then
    echo "remote-deploy: $name is not set (see the comment at the top of this script)" >&2
    exit 2
  fi
done

ssh_options=(-p "${DEPLOY_PORT:-22}" -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=20
  -o ServerAliveInterval=30)
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
umask 077
if [[ -n ${DEPLOY_SSH_KEY:-} ]]; then
  printf '%s\n' "$DEPLOY_SSH_KEY" >"$keys/id"
  ssh_options+=(-i "$keys/id" -o IdentitiesOnly=yes)
fi
if [[ -n ${DEPLOY_KNOWN_HOSTS:-} ]]; then
  printf '%s\n' "$DEPLOY_KNOWN_HOSTS" >"$keys/known_hosts"
  ssh_options+=(-o UserKnownHostsFile="$keys/known_hosts")
fi

# One command line for the server's shell, each part quoted for it.
remote="cd $(printf %q "$DEPLOY_PATH") && DEPLOY_RUN_URL=$(printf %q "${DEPLOY_RUN_URL:-}")"
remote+=" DEPLOY_DIGESTS=$(printf %q "${DEPLOY_DIGESTS:-}") scripts/deploy.sh"
for argument in "$@"; do
  remote+=" $(printf %q "$argument")"
done
# shellcheck disable=SC2029 # expanded here on purpose: $remote is quoted for the server above
ssh "${ssh_options[@]}" "$DEPLOY_USER@$DEPLOY_HOST" "$remote"
