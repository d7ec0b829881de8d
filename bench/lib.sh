# bench/lib.sh: what bench/compare and bench/growth share. Source it after
# setting PROG (the script's name, for messages).
#
# It makes the work directory $work (removed on exit unless KEEP=1), stops
# every process added to pids on exit, and gives servers a parent-death
# signal where setpriv can.

say() { printf '== %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
for c in go jq; do command -v "$c" >/dev/null || die "needs $c"; done

work=$(mktemp -d "${TMPDIR:-/tmp}/hubid-bench.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then say "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The benchmarks drive ~1000 flows/s from 127.0.0.1 with one client, far
# past the default limits on authorize (per IP) and the token endpoint (per
# client and IP): they would measure 429s. And flowgen signs all its
# workers in as one user from one address at the same moment: more than
# the per-(username, IP) sign-in limit allows in flight (an attempt counts
# until its password is found right). Every hubid they start runs without
# those three limits (variables, which older binaries in bench/ab ignore).
export HUBID_LIMIT_AUTHORIZE=${HUBID_LIMIT_AUTHORIZE:-off} HUBID_LIMIT_TOKEN=${HUBID_LIMIT_TOKEN:-off} \
  HUBID_LIMIT_LOGIN=${HUBID_LIMIT_LOGIN:-off}

# Servers get SIGTERM if the script dies without running its trap.
deathsig=()
if command -v setpriv >/dev/null && setpriv --pdeathsig TERM true 2>/dev/null; then
  deathsig=(setpriv --pdeathsig TERM --)
fi

# wait_line FILE REGEX [SECONDS]: print the last field of the first line of
# FILE matching REGEX, waiting up to SECONDS (60) for it.
wait_line() {
  local i line
  for i in $(seq $((${3:-60} * 10))); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    if [ -n "$line" ]; then awk '{print $NF}' <<<"$line"; return; fi
    sleep 0.1
  done
  die "timed out waiting for /$2/ in $1: $(tail -c 600 "$1")"
}

# stop PID: ends one server started by the script and waits for it.
stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# db_bytes DIR: the size of hubid's database in DIR with its -wal and -shm.
db_bytes() { du -cb "$1"/hubid.db* | awk 'END {print $1}'; }

# machine_line: one Markdown line saying what machine and toolchain ran.
machine_line() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)
  printf '_%s; %s CPUs (%s), %s GiB, Linux %s; %s._\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$cpu" "$mem" "$(uname -r)" "$(go env GOVERSION)"
}

# write_section FILE NAME REPORT: puts REPORT between the markers
# <!-- NAME:begin --> and <!-- NAME:end --> of FILE ("-": stdout only).
write_section() {
  local file=$1 begin="<!-- $2:begin -->" end="<!-- $2:end -->"
  [ "$file" = "-" ] && return
  grep -qF "$begin" "$file" && grep -qF "$end" "$file" || die "$file has no $begin / $end markers"
  printf '%s\n' "$3" >"$work/section.md"
  awk -v b="$begin" -v e="$end" -v r="$work/section.md" '
    index($0, b) { print; while ((getline l < r) > 0) print l; skip = 1; next }
    index($0, e) { skip = 0 }
    !skip' "$file" >"$work/section.out"
  cp "$work/section.out" "$file"
  say "wrote $file"
}

# start_hubid NAME BINARY: starts `hubid dev` with a fresh data directory
# in $work/NAME-data and creates two confidential apps without refresh
# tokens (RS256, ES256). Sets the flowgen arguments NAME_rs, NAME_es and
# NAME_demo (the dev demo app, which has refresh tokens on), and NAME_pid.
# Needs REDIRECT (any http loopback URL: flowgen follows no redirect).
start_hubid() {
  local name=$1 bin=$2 data="$work/$1-data" pid issuer creds rs es
  "${deathsig[@]}" "$bin" dev --addr 127.0.0.1:0 --data "$data" >"$work/$name.out" 2>"$work/$name.log" &
  pid=$!
  pids+=("$pid")
  issuer=$(wait_line "$work/$name.out" '^ +Issuer ')
  creds="$data/dev-credentials.json"
  mkapp() { # NAME ALG
    "$bin" app create --data "$data" --name "$1" --alg "$2" --json \
      --redirect-uri http://127.0.0.1/login/callback --scopes "openid profile email"
  }
  rs=$(mkapp "bench RS256" RS256)
  es=$(mkapp "bench ES256" ES256)
  local common=(-issuer "$issuer" -login hubid -username "$(jq -r .username "$creds")" -password "$(jq -r .password "$creds")"
    -pid "$pid" -redirect-uri "$REDIRECT")
  eval "${name}_pid=$pid"
  eval "${name}_rs=(\"\${common[@]}\" -client-id \"$(jq -r .client_id <<<"$rs")\" -client-secret \"$(jq -r .client_secret <<<"$rs")\")"
  eval "${name}_es=(\"\${common[@]}\" -client-id \"$(jq -r .client_id <<<"$es")\" -client-secret \"$(jq -r .client_secret <<<"$es")\")"
  eval "${name}_demo=(\"\${common[@]}\" -client-id \"$(jq -r .client_id "$creds")\" -client-secret \"$(jq -r .client_secret "$creds")\")"
}
