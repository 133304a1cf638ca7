#!/usr/bin/env bash
# apache-as-swzk.sh: Apache ZooKeeper dressed up with swzk's command line, for testing the harness.
#
#   SWZK_BIN=Tests/interop/tools/apache-as-swzk.sh pytest Tests/interop
#
# It accepts exactly `server -c ZOO_CFG` and execs Apache's server on that file, so the swzk side
# of every test runs against the real thing (started, checked for readiness and stopped with
# SIGTERM exactly as swzk would be). Every swzk-side test should then pass.
set -euo pipefail
[ "${1:-}" = server ] && [ "${2:-}" = -c ] && [ -n "${3:-}" ] || { echo "usage: $0 server -c zoo.cfg" >&2; exit 2; }
J=/usr/share/java
cp="$J/zookeeper.jar:$J/zookeeper-jute.jar"
for j in slf4j-api slf4j-simple commons-cli commons-io metrics-core snappy-java jackson-annotations \
         jackson-core jackson-databind netty-buffer netty-common netty-handler netty-transport \
         netty-transport-native-epoll netty-transport-native-unix-common netty-codec netty-resolver; do
  [ -e "$J/$j.jar" ] && cp="$cp:$J/$j.jar"
done
exec java -cp "$cp" -Dzookeeper.log.dir="$(dirname "$3")" org.apache.zookeeper.server.quorum.QuorumPeerMain "$3"
