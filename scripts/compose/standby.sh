#!/bin/bash
# docker-compose.yml, postgres-standby: on first start, a copy of the primary that streams from it as `standby1`, the
# name in the primary's synchronous_standby_names (docs/operations-postgresql.md); then PostgreSQL itself.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres-primary -U mizani; do sleep 1; done
  rm -rf "${PGDATA:?}"/*
  pg_basebackup -h postgres-primary -U replicator -D "$PGDATA" -X stream -R -C -S standby1 -c fast
  echo "primary_conninfo = 'host=postgres-primary user=replicator password=replicator application_name=standby1'" >> "$PGDATA/postgresql.auto.conf"
  chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
