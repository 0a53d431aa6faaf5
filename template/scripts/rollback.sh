#!/usr/bin/env bash
# Back to the release before the one that runs (.deploy/previous), or to <tag>, without downtime:
#   scripts/rollback.sh [tag]
# It switches the services as scripts/deploy.sh does, and runs no migration: releases stay
# compatible with the schema (docs/operations.md, "Expand, then contract"). Run it again to
# return to the release you left.
exec "$(dirname "$0")/deploy.sh" --rollback "$@"
