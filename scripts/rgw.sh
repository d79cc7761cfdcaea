#!/usr/bin/env bash
# A single-node Ceph RADOS Gateway on loopback: a real S3 that enforces object ACLs, bucket
# policies and Public Access Block (s3rver makes every object public, so it cannot).
#
#   scripts/rgw.sh start DIR PORT [CAPACITY]
#       one mon, one OSD, radosgw on 127.0.0.1:PORT; S3 user with access key `test`, secret
#       `test`, who may store CAPACITY bytes of objects (default 64 GiB, less when DIR's disk has
#       less free space); prints `rgw capacity BYTES` (as granted), `rgw ops-log SOCKET`, then
#       `rgw ready http://127.0.0.1:PORT`
#   scripts/rgw.sh stop DIR
#       TERM every daemon started in DIR, KILL what is left after ~5 s; delete the OSD's data
#
# Storage: the OSD is a BlueStore on a sparse file, DIR/osd.0.block, which takes disk space as
# objects arrive. An upload that would take the user past CAPACITY is refused at once with
# 403 QuotaExceeded (an RGW user quota); each refusal is in RGW's ops log, DIR/run/ops-log.sock.
# The file is sized well above CAPACITY, so Ceph's own "full" state (in which writes wait
# forever) and BlueStore's ENOSPC (which kills the OSD) are out of reach. Every start begins with
# an empty cluster, so `stop` deletes the file.
#
# No systemd and no /etc/ceph: each daemon runs in the foreground (-f) in our background, with
# everything (config, mon store, OSD, sockets, logs) under DIR. Works as root or as a user.
# Logs: DIR/log/<daemon>.out (stdout/stderr) and DIR/log/<daemon>.log (Ceph's own log).
# Needs the Debian packages radosgw, ceph-mon, ceph-osd, ceph-common (which brings python3).
# Recipe and measurements: the team's notes on Ceph RGW (Ceph 16.2, Debian 12).
set -euo pipefail

# The whole start (mon, OSD, radosgw's first-start pool creation, user) is bounded by this.
readonly START_TIMEOUT_S=60
# Each Ceph tool call is bounded too (with the mon down they retry forever): by this, or by what
# is left of START_TIMEOUT_S if that is less.
readonly CLI_TIMEOUT_S=15
# `stop` gives the daemons this long in all to exit on TERM before KILL (in order they need <1 s).
readonly STOP_GRACE_S=5
# The mon takes the first free port after PORT, looking this far.
readonly MON_PORT_SEARCH=100
readonly MiB=$((1024 * 1024))
readonly GiB=$((1024 * MiB))
# What the S3 user may store unless `start` is told otherwise: room for a few large objects.
readonly DEFAULT_CAPACITY=$((64 * GiB))
# Below this a cluster holds too little to try anything (tests fill one this small on purpose).
readonly MIN_CAPACITY=$((16 * MiB))
# The OSD's sparse file is CAPACITY * 5/4 + 1 GiB: room for BlueStore's RocksDB, RGW's metadata,
# deleted objects not yet garbage-collected, and Ceph's full ratio (writes stop at 95 %).
readonly BLOCK_SLACK=$((1 * GiB))

usage() {
  echo "usage: $0 start DIR PORT [CAPACITY] | stop DIR" >&2
  exit 2
}

die() {
  echo "rgw.sh: $*" >&2
  exit 1
}

# Prints the last lines of each named log file under DIR/log that exists, on stderr.
show_logs() {
  local name
  for name in "$@"; do
    if [ -s "$D/log/$name" ]; then
      echo "--- tail of $D/log/$name ---" >&2
      tail -n 25 "$D/log/$name" >&2
    fi
  done
}

# Succeeds when nothing listens on 127.0.0.1:$1: when radosgw or the mon could listen there.
# It binds as they do (both set SO_REUSEADDR before bind and listen; Node's servers too), so the
# TIME_WAIT connections a stack stopped a moment ago leaves on its port (for 60 s) do not count
# as "in use", while a live listener still does.
port_free() {
  python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen()
finally:
    s.close()
PY
}

# Prints the HTTP status of GET http://127.0.0.1:$1/ (000 when nothing answers).
http_status() {
  python3 - "$1" <<'PY' 2>/dev/null || echo 000
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

# Succeeds while PID $1 is a live process started with this DIR's ceph.conf (so a recycled PID
# is never signalled).
ours() {
  grep -qsF -- "$CONF" "/proc/$1/cmdline"
}

# Starts daemon NAME (the rest: its command line) in the background, output to DIR/log/NAME.out,
# and records its PID in DIR/pids.
spawn() {
  local name=$1
  shift
  "$@" </dev/null >>"$D/log/$name.out" 2>&1 &
  echo "$!" >>"$D/pids"
}

remaining() {
  echo $((DEADLINE - SECONDS))
}

# Runs a Ceph tool, bounded by CLI_TIMEOUT_S and by the start's deadline (at least 1 s).
bounded() {
  local limit
  limit=$(remaining)
  [ "$limit" -le "$CLI_TIMEOUT_S" ] || limit=$CLI_TIMEOUT_S
  [ "$limit" -ge 1 ] || limit=1
  timeout "$limit" "$@"
}

# Runs a Ceph tool with `bounded`; stdout to the caller, stderr to DIR/log/cli.out.
cli() {
  bounded "$@" 2>>"$D/log/cli.out"
}

# Stops the daemons one at a time in reverse start order (radosgw, OSD, mon), each once the one
# before has exited: a radosgw whose OSD is gone hangs in shutdown (a 120 s alarm), and an OSD
# whose mon is gone waits 5 s (osd_mon_shutdown_timeout) to report itself down. In order, all
# three exit in well under a second. Whatever is left when STOP_GRACE_S runs out is KILLed.
stop_all() {
  local pid pids=() deadline=$((SECONDS + STOP_GRACE_S))
  [ -f "$D/pids" ] && mapfile -t pids < <(tac "$D/pids")
  for pid in "${pids[@]+"${pids[@]}"}"; do
    ours "$pid" || continue
    if [ "$SECONDS" -lt "$deadline" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      while ours "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
    fi
    if ours "$pid"; then
      echo "rgw.sh: pid $pid had not stopped ${STOP_GRACE_S}s after TERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$D/pids"
  # A start killed between spawning a daemon and recording its PID leaves one not in DIR/pids:
  # anything still running with this DIR's ceph.conf is such a leftover.
  local file
  # One grep over every process; it may list itself, so each hit is checked again once it is gone.
  for file in $(grep -lsF -- "$CONF" /proc/[0-9]*/cmdline); do
    pid=${file#/proc/}
    pid=${pid%/cmdline}
    if [ "$pid" != $$ ] && ours "$pid"; then
      echo "rgw.sh: killing leftover pid $pid ($(tr '\0' ' ' <"$file" 2>/dev/null))" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# On any failure during start: show the relevant log, stop what was started, exit non-zero.
fail_start() {
  echo "rgw.sh: $1" >&2
  shift
  show_logs "$@"
  stop_all
  exit 1
}

start() {
  local port=$2
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "PORT must be 1-65535, not '$port'"
  local capacity=${3:-$DEFAULT_CAPACITY}
  [[ "$capacity" =~ ^[0-9]{1,18}$ ]] && [ "$capacity" -ge "$MIN_CAPACITY" ] \
    || die "CAPACITY must be a number of bytes, at least $MIN_CAPACITY, not '$capacity'"
  local bin
  for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph python3 timeout; do
    command -v "$bin" >/dev/null || die "$bin not found: install the Debian packages radosgw ceph-mon ceph-osd ceph-common"
  done
  mkdir -p "$1"
  D=$(cd "$1" && pwd)
  CONF="$D/ceph.conf"
  [ ! -s "$D/pids" ] || die "$D/pids exists: a gateway may be running there already (run '$0 stop $D')"
  port_free "$port" || die "127.0.0.1:$port is in use"

  local mon_port=$((port + 1))
  while ! port_free "$mon_port"; do
    mon_port=$((mon_port + 1))
    [ "$mon_port" -le 65535 ] && [ "$mon_port" -le $((port + MON_PORT_SEARCH)) ] \
      || die "no free port for the mon from $((port + 1)) to $((mon_port - 1))"
  done

  DEADLINE=$((SECONDS + START_TIMEOUT_S))
  trap 'fail_start "interrupted" mon.a.out osd.0.out client.rgw.out' INT TERM

  # Every start makes a new, empty cluster: remove what a previous run left.
  rm -rf "$D/monmap" "$D/mon.a" "$D/osd.0" "$D/osd.0.block" "$D/rgw" "$D/run" "$D/log" "$CONF"
  mkdir -p "$D/run" "$D/log" "$D/mon.a" "$D/osd.0" "$D/rgw"

  # The whole block file must fit on the disk, for BlueStore aborts when its file cannot grow:
  # if it would not, the capacity shrinks to what does fit.
  local avail block
  avail=$(df -B1 --output=avail "$D" 2>&1 | tail -n 1 | tr -d ' ') || avail='(nothing)'
  [[ "$avail" =~ ^[0-9]+$ ]] || fail_start "cannot read the free space of $D (df: $avail)"
  block=$((capacity * 5 / 4 + BLOCK_SLACK))
  if [ "$block" -gt "$avail" ]; then
    capacity=$(((avail - BLOCK_SLACK) * 4 / 5))
    [ "$capacity" -ge "$MIN_CAPACITY" ] \
      || fail_start "only $avail bytes are free under $D; the local RGW needs $((MIN_CAPACITY * 5 / 4 + BLOCK_SLACK)) at least"
    block=$((capacity * 5 / 4 + BLOCK_SLACK))
  fi

  local fsid osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)

  # `$name` is expanded by Ceph (mon.a, osd.0, client.rgw, client.admin), not by the shell.
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.1/32
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms bind ipv6 = false
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
# Default 1 s per proposal; radosgw's first start makes about 12 (its pools).
paxos propose interval = 0.01
paxos min wait = 0.001
# Users created from now on (the one below) may store this many bytes of objects: past it,
# RGW refuses an upload at once (403 QuotaExceeded) instead of filling the OSD. Read by
# radosgw-admin when it creates the user.
rgw user default quota max size = $capacity

[mon.a]
mon data = $D/mon.a

[osd.0]
osd data = $D/osd.0
# BlueStore on a sparse file: objects on disk, not in RAM (a memstore OSD held them in memory).
osd objectstore = bluestore
bluestore block path = $D/osd.0.block
bluestore block create = true
bluestore block size = $block
bluestore block db create = false
bluestore block wal create = false
# A cache of fixed size (the default grows towards a 4 GiB memory target).
bluestore cache autotune = false
bluestore cache size = 134217728
# Start time (measured: 2.0 s against 5.4 s with the defaults; memstore took 1.3 s): no fsck of
# the store just made, and the block device closes in 20 ms, not 250: mkfs and mount open and
# close it a dozen times, and each close waits out the aio thread's poll.
bluestore fsck on mkfs = false
bdev aio poll ms = 20
# Ceph's default, as S3: RGW names a RADOS object after the bucket and the key, and S3 keys run
# to 1,024 bytes (460, the limit for ext4-backed OSDs, made RGW answer 500 to such keys).
osd max object name len = 2048
osd max object namespace len = 64

[client.rgw]
# radosgw asks for 'secure' by default, which auth none cannot give.
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $D/rgw
# The quota counts what a user stores; the users' numbers reach RGW's quota cache from the
# buckets every few seconds rather than every 3 minutes.
rgw user quota bucket sync interval = 5
# Data of deleted or overwritten objects is freed a minute later, not hours: the quota no longer
# counts it, the disk still does.
rgw gc obj min wait = 60
rgw gc processor period = 60
# Each request's outcome, as JSON, to whoever reads this socket (the local stack reports storage
# refusals from it); not to a RADOS pool, which would fill the OSD.
rgw enable ops log = true
rgw ops log rados = false
rgw ops log socket path = $D/run/ops-log.sock
# A RADOS operation waits this long at most: should the OSD ever be full (or gone), a request
# fails (RGW answers 408 or 500) instead of hanging forever. Healthy, one takes milliseconds.
rados osd op timeout = 60
# SSE-C over plain HTTP on loopback (RGW refuses customer keys without TLS by default), so that
# tests can store an object only its key opens, as on S3.
rgw crypt require ssl = false
EOF

  cli monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$D/monmap" >/dev/null \
    || fail_start "monmaptool failed" cli.out
  bounded ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" >>"$D/log/mon.a.out" 2>&1 \
    || fail_start "ceph-mon --mkfs failed" mon.a.out mon.a.log
  spawn mon.a ceph-mon -c "$CONF" -i a -f

  local osd_id
  osd_id=$(cli ceph -c "$CONF" osd new "$osd_uuid") && [[ "$osd_id" =~ ^[0-9]+$ ]] \
    || fail_start "'ceph osd new' failed (is the mon up?)" cli.out mon.a.out mon.a.log
  [ "$osd_id" = 0 ] || fail_start "expected OSD id 0, got '$osd_id'" cli.out
  bounded ceph-osd -c "$CONF" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$D/log/osd.0.out" 2>&1 \
    || fail_start "ceph-osd --mkfs failed" osd.0.out osd.0.log
  spawn osd.0 ceph-osd -c "$CONF" -i "$osd_id" -f

  # Starting radosgw before the OSD is up stalled it once for 5 s: wait for `1 up`.
  local stat=''
  until [[ "$stat" == *"1 up"* ]]; do
    [ "$(remaining)" -gt 0 ] || fail_start "the OSD was not up within ${START_TIMEOUT_S}s (last: $stat)" osd.0.out osd.0.log mon.a.log
    sleep 0.2
    stat=$(cli ceph -c "$CONF" osd stat 2>/dev/null) || stat=''
  done

  spawn client.rgw radosgw -c "$CONF" -n client.rgw -f
  until [ "$(http_status "$port")" = 200 ]; do  # each probe waits 2 s at most
    [ "$(remaining)" -gt 0 ] || fail_start "radosgw did not answer on 127.0.0.1:$port within ${START_TIMEOUT_S}s" client.rgw.out client.rgw.log
    ours "$(tail -n 1 "$D/pids")" || fail_start "radosgw exited during start" client.rgw.out client.rgw.log
    sleep 0.2
  done

  bounded radosgw-admin -c "$CONF" user create --uid test --display-name test --access-key test --secret-key test \
    >>"$D/log/radosgw-admin.out" 2>&1 \
    || fail_start "radosgw-admin user create failed" radosgw-admin.out client.rgw.log
  trap - INT TERM
  echo "rgw capacity $capacity"
  echo "rgw ops-log $D/run/ops-log.sock"
  echo "rgw ready http://127.0.0.1:$port"
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
[[ "$dir" != *[[:space:]]* ]] || die "DIR must not contain whitespace (it goes into ceph.conf): '$dir'"

case "$cmd" in
  start)
    [ $# -eq 3 ] || [ $# -eq 4 ] || usage
    start "$dir" "$3" "${4:-}"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    [ -d "$dir" ] || exit 0
    D=$(cd "$dir" && pwd)
    CONF="$D/ceph.conf"
    stop_all
    # The next start begins with an empty cluster anyway: give the disk space back now.
    rm -f "$D/osd.0.block"
    ;;
  *) usage ;;
esac
