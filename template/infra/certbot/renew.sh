#!/usr/bin/env sh
# Renews every certificate due (certbot's timer does this twice a day; run it by hand to check or,
# with --force-renewal, to replace a certificate now). The deploy hook recorded at issuance
# installs the new pair and reloads nginx. Same environment as issue.sh.
set -eu

certbot_dir=${CERTBOT_DIR:-/etc/letsencrypt}
set -- --config-dir "$certbot_dir" --work-dir "$certbot_dir/work" --logs-dir "$certbot_dir/logs" \
  --no-random-sleep-on-renew "$@"
# --server is passed on explicitly: without it, a --dry-run would silently switch to the staging CA.
if [ -n "${ACME_SERVER:-}" ]; then
  set -- --server "$ACME_SERVER" "$@"
fi
exec certbot renew --non-interactive "$@"
