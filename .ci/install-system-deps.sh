#!/usr/bin/env bash
# Installs the system packages that the test servers (test/services) need on a fresh Debian bookworm machine.
# Idempotent: installs only what is missing. Run as root (CI and these machines run as root).
#
# Everything else (the Kafka and Delta jars from Maven Central, the Elasticsearch test distribution, the
# PySpark venv) is installed by `npm run services -- install [names]` into ~/.cache/cloudpulse, and the
# vitest global setup installs it on demand too.
set -euo pipefail

# `--best-effort` (used by `npm test`): skip quietly when servers are not wanted, warn instead of failing
# when not root (the test that needs a missing package then names it).
best_effort=0
[ "${1:-}" = --best-effort ] && best_effort=1
if [ "$best_effort" = 1 ] && [ "${CLOUDPULSE_NO_SERVICES:-}" = 1 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: run as root (apt-get install)" >&2
  [ "$best_effort" = 1 ] && exit 0
  exit 1
fi

missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
want() { have_pkg "$1" || missing+=("$1"); }

want postgresql-15          # project-owned instances only, never the system service
want postgresql-client-15
want prometheus             # /usr/bin/prometheus 2.42 (no recommends: no node exporter)
want kcat                   # external Kafka client used by tests and the benchmark
want maven                  # fetches the Kafka broker and Delta jars from Maven Central
want openjdk-17-jre-headless  # Kafka 4.4 broker and Spark 3.5 driver
want unzip                  # Elasticsearch test distribution
want iproute2               # ss, used when a loopback assertion fails to print the listeners
want openssl                # self-signed certificate of the Databricks test warehouse (HTTPS)

python_ok=1
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || python_ok=0
if [ "$python_ok" = 0 ]; then
  missing+=(python3-venv)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-system-deps: installing ${missing[*]}"
  # Debian packages start their system services on install (postgresql's "main" cluster, prometheus on
  # 0.0.0.0:9090). The tests start project-owned instances on loopback instead, so deny service starts
  # for the duration of the install (the standard policy-rc.d mechanism), unless a policy already exists.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Elasticsearch needs Java 21+; these machines ship Temurin 25 beside OpenJDK 17 (not a Debian package).
es_java="${ES_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [ ! -x "$es_java/bin/java" ]; then
  echo "install-system-deps: warning: no Java 21+ at $es_java (set ES_JAVA_HOME); Elasticsearch cannot start" >&2
fi

echo "install-system-deps: ok"
