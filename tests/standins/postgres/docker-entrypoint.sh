#!/usr/bin/env bash
# The stand-in's entrypoint (tests only), written to the documented contract of the official
# postgres image: POSTGRES_PASSWORD/USER/DB and their _FILE forms; as root it first gives PGDATA
# and the socket folder to `postgres` (walking them with find, as the official one does), then
# runs itself again as `postgres`; on an empty PGDATA it runs initdb, starts a socket-only server,
# creates POSTGRES_DB, runs /docker-entrypoint-initdb.d/* (*.sh run or sourced, *.sql through
# psql) and stops it; then it execs the command.
set -Eeo pipefail

file_env() { # VAR [default]
  local var=$1 file_var="${1}_FILE" value=${2:-}
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    echo "error: both $var and $file_var are set (but are exclusive)" >&2
    exit 1
  fi
  if [[ -n ${!var:-} ]]; then value=${!var}; elif [[ -n ${!file_var:-} ]]; then value=$(<"${!file_var}"); fi
  export "$var"="$value"
  unset "$file_var"
}

sql() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }

if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi

if [[ $1 == postgres ]]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA" || :
  if [[ $(id -u) == 0 ]]; then
    find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
    find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
    exec gosu postgres "${BASH_SOURCE[0]}" "$@"
  fi
  if [[ ! -s $PGDATA/PG_VERSION ]]; then
    if [[ -z $POSTGRES_PASSWORD ]]; then
      echo "Error: Database is uninitialized and superuser password is not specified." >&2
      exit 1
    fi
    ls /docker-entrypoint-initdb.d/ >/dev/null
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD")
    printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    export PGPASSWORD=$POSTGRES_PASSWORD
    pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${@:2}") -c listen_addresses='' -p 5432" -w start
    if [[ -z $(sql --dbname postgres --tuples-only --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db'") ]]; then
      sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db"'
    fi
    for file in /docker-entrypoint-initdb.d/*; do
      case $file in
        *.sh) if [[ -x $file ]]; then "$file"; else . "$file"; fi ;;
        *.sql) sql --dbname "$POSTGRES_DB" -f "$file" ;;
        *) echo "ignoring $file" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo "PostgreSQL init process complete; ready for start up."
  fi
fi

exec "$@"
