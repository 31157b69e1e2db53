#!/usr/bin/env bash
# A 2-shard ClickHouse cluster of two server processes on free loopback ports, for tests and trials.
#
#   scripts/cluster.sh start DIR    starts node 1 and node 2 with their data, logs and configs under DIR and
#                                   prints CHURN_CLICKHOUSE_URL=http://127.0.0.1:PORT (node 1 takes queries;
#                                   both nodes are shards of the cluster `churn`)
#
# Node 1 listens on 127.0.0.1, node 2 on 127.0.0.2 (also loopback), both with the same HTTP port, as the nodes
# of a real cluster do on their own hosts: churn finds each shard's HTTP endpoint from system.clusters (host)
# and the query URL (port). Their native (TCP) ports differ, so neither node mistakes the other for itself.
#   scripts/cluster.sh stop DIR     stops both by the PIDs recorded in DIR/node*/pid (SIGTERM, then SIGKILL)
#   scripts/cluster.sh status DIR   prints the URL when both nodes answer, exit 1 otherwise
#
# Environment: CLICKHOUSE_SERVER (default clickhouse-server on PATH or /usr/sbin/clickhouse-server),
# CHURN_CLUSTER_MEMORY (bytes per query, default 4000000000). Nothing is installed and nothing listens
# beyond 127.0.0.1. Works with Debian's clickhouse-server 18.16 and current releases.
set -euo pipefail

usage() {
  echo "usage: scripts/cluster.sh start|stop|status DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
NODES=(1 2)
CLUSTER=churn

server_bin() {
  if [[ -n "${CLICKHOUSE_SERVER:-}" ]]; then echo "$CLICKHOUSE_SERVER"; return; fi
  if command -v clickhouse-server >/dev/null 2>&1; then command -v clickhouse-server; return; fi
  if [[ -x /usr/sbin/clickhouse-server ]]; then echo /usr/sbin/clickhouse-server; return; fi
  echo "scripts/cluster.sh: clickhouse-server not found; install it (Debian: apt-get install clickhouse-server clickhouse-client) or set CLICKHOUSE_SERVER" >&2
  exit 2
}

HOSTS=(127.0.0.1 127.0.0.2)

# N TCP ports free on every address of HOSTS, asked of the OS (node is the project's runtime; no other tool
# needed): each port is bound on all the addresses at once, then released.
free_ports() {
  node -e '
    const net = require("node:net");
    const [n, ...hosts] = process.argv.slice(1);
    const found = [];
    const held = [];
    const bind = (port, host) => new Promise((ok) => {
      const s = net.createServer();
      s.once("error", () => ok(null));
      s.listen(port, host, () => ok(s));
    });
    (async () => {
      for (let tries = 0; found.length < Number(n) && tries < 200; tries++) {
        const first = await bind(0, hosts[0]);
        if (!first) continue;
        const port = first.address().port;
        const rest = await Promise.all(hosts.slice(1).map((h) => bind(port, h)));
        held.push(first, ...rest.filter(Boolean));
        if (rest.every(Boolean)) found.push(port);
      }
      held.forEach((s) => s.close());
      if (found.length < Number(n)) { console.error("no free ports"); process.exit(1); }
      console.log(found.join(" "));
    })();' "$1" "${HOSTS[@]}"
}

port_busy() {
  local h
  for h in "${HOSTS[@]}"; do
    if { (exec 3<>"/dev/tcp/$h/$1"); } 2>/dev/null; then return 0; fi
  done
  return 1
}

http_ok() {
  # ClickHouse answers "Ok." on / when it is up
  local host=$1 port=$2 reply
  reply=$({ exec 3<>"/dev/tcp/$host/$port" && printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3 && cat <&3; } 2>/dev/null) || return 1
  [[ "$reply" == *"Ok."* ]]
}

alive() {
  local pidfile=$1
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

write_config() {
  local node=$1 http=$2 tcp=$3 inter=$4 tcp1=$5 tcp2=$6 host=${HOSTS[$(($1 - 1))]} nd
  nd=$(cd "$dir/node$node" && pwd)
  mkdir -p "$nd/data" "$nd/tmp" "$nd/user_files" "$nd/format_schemas" "$nd/log"
  cat >"$nd/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$nd/log/server.log</log>
    <errorlog>$nd/log/error.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>$host</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
  <interserver_http_host>$host</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$nd/data/</path>
  <tmp_path>$nd/tmp/</tmp_path>
  <user_files_path>$nd/user_files/</user_files_path>
  <format_schema_path>$nd/format_schemas/</format_schema_path>
  <users_config>$nd/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <$CLUSTER>
      <shard><replica><host>${HOSTS[0]}</host><port>$tcp1</port></replica></shard>
      <shard><replica><host>${HOSTS[1]}</host><port>$tcp2</port></replica></shard>
    </$CLUSTER>
  </remote_servers>
  <macros><shard>$node</shard><replica>node$node</replica></macros>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
  cat >"$nd/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>${CHURN_CLUSTER_MEMORY:-4000000000}</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>in_order</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.0/8</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
}

start() {
  local bin
  bin=$(server_bin)
  mkdir -p "$dir"
  for n in "${NODES[@]}"; do
    if alive "$dir/node$n/pid"; then
      echo "scripts/cluster.sh: node $n under $dir is already running (pid $(cat "$dir/node$n/pid")); stop it first: scripts/cluster.sh stop $dir" >&2
      exit 2
    fi
  done
  local ports http tcp1 int1 tcp2 int2
  # Ports the OS says are free on both addresses; checked again just before use (another process may take
  # one meanwhile). Both nodes share the HTTP port (on their own address); native ports differ.
  for _ in 1 2 3 4 5; do
    read -r http tcp1 int1 tcp2 int2 <<<"$(free_ports 5)"
    ports="$http $tcp1 $int1 $tcp2 $int2"
    local busy=0
    for p in $ports; do if port_busy "$p"; then busy=1; fi; done
    [[ $busy -eq 0 ]] && break
  done
  mkdir -p "$dir/node1" "$dir/node2"
  write_config 1 "$http" "$tcp1" "$int1" "$tcp1" "$tcp2"
  write_config 2 "$http" "$tcp2" "$int2" "$tcp1" "$tcp2"
  for n in "${NODES[@]}"; do
    local nd
    nd=$(cd "$dir/node$n" && pwd)
    (cd "$nd" && exec "$bin" --config-file="$nd/config.xml" >"$nd/log/stdout.log" 2>&1) &
    echo $! >"$nd/pid"
  done
  echo "$http" >"$dir/node1/http_port"
  echo "$http" >"$dir/node2/http_port"
  # wait until both answer on HTTP (18.16 starts in about a second; allow 60 s on a busy machine)
  local deadline=$((SECONDS + 60))
  for n in "${NODES[@]}"; do
    local port host=${HOSTS[$((n - 1))]}
    port=$(cat "$dir/node$n/http_port")
    until http_ok "$host" "$port"; do
      if ! alive "$dir/node$n/pid"; then
        echo "scripts/cluster.sh: node $n exited during start; its log: $dir/node$n/log/error.log" >&2
        tail -n 20 "$dir/node$n/log/error.log" "$dir/node$n/log/stdout.log" >&2 2>/dev/null || true
        stop >/dev/null 2>&1 || true
        exit 1
      fi
      if ((SECONDS > deadline)); then
        echo "scripts/cluster.sh: node $n did not answer on $host:$port within 60 s; its log: $dir/node$n/log/error.log" >&2
        stop >/dev/null 2>&1 || true
        exit 1
      fi
      sleep 0.2
    done
  done
  echo "CHURN_CLICKHOUSE_URL=http://${HOSTS[0]}:$http"
}

stop() {
  local n pid
  for n in "${NODES[@]}"; do
    local pf="$dir/node$n/pid"
    [[ -f "$pf" ]] || continue
    pid=$(cat "$pf")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$pf"
  done
}

status() {
  for n in "${NODES[@]}"; do
    alive "$dir/node$n/pid" || { echo "node $n is not running" >&2; exit 1; }
    http_ok "${HOSTS[$((n - 1))]}" "$(cat "$dir/node$n/http_port")" || { echo "node $n does not answer" >&2; exit 1; }
  done
  echo "CHURN_CLICKHOUSE_URL=http://${HOSTS[0]}:$(cat "$dir/node1/http_port")"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
